"""What the report's "Tình hình nộp báo cáo" section and its heat map read from the marts.

- the month's reporting and on-time rates of the scope and of every group and reporting
  unit below it (marts.fct_reporting_rates, CONTRACT §11);
- every reporting unit's status for each month of the as-of year through the as-of month
  (marts.fct_submission_status: submitted on time, late, missing);
- the rule catalogue's Vietnamese names (marts.dim_data_quality_rule).

A warehouse published before these marts existed gives empty lists (the report then
says what it can from fct_submission_status alone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

# The scope and every node below it (dim_unit keeps ended units: their months still count).
_SUBTREE = """
    with recursive subtree (unit_code) as (
        select cast(? as varchar)
        union
        select d.unit_code from marts.dim_unit d join subtree s on d.parent_code = s.unit_code
    )
"""


@dataclass(frozen=True)
class ScopeRate:
    """One node's reports for the as-of month (a row of marts.fct_reporting_rates)."""

    unit_code: str
    unit_name: str
    level: str  # dim_unit.level: province | group | unit
    depth: int
    expected: int
    received: int
    on_time: int
    reporting_rate_pct: float | None
    on_time_rate_pct: float | None


@dataclass(frozen=True)
class SubmissionCell:
    """One reporting unit and month (a row of marts.fct_submission_status)."""

    unit_code: str
    unit_name: str
    period: date
    status: str  # submitted | missing
    is_late: bool | None

    @property
    def state(self) -> str:
        """on_time | late | missing, as the heat map colours it."""
        if self.status != "submitted":
            return "missing"
        return "late" if self.is_late else "on_time"


def _has(con, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = ?",
            [name],
        ).fetchone()[0]
    )


def rule_names(con) -> dict[str, str]:
    if not _has(con, "dim_data_quality_rule"):
        return {}
    return dict(con.execute("select rule_id, name_vi from marts.dim_data_quality_rule").fetchall())


def scope_rates(con, as_of: date, scope_code: str) -> list[ScopeRate]:
    """The scope first, then the nodes below it (by depth; names sorted by the report)."""
    if not _has(con, "fct_reporting_rates"):
        return []
    rows = con.execute(
        _SUBTREE
        + """
        select r.unit_code, u.unit_name, u.level, u.depth, r.expected_reports,
               r.reports_received, r.reports_on_time, r.reporting_rate_pct, r.on_time_rate_pct
        from marts.fct_reporting_rates r
        join marts.dim_unit u using (unit_code)
        where r.period = ? and r.unit_code in (select unit_code from subtree)
        order by r.unit_code <> ?, u.depth, r.unit_code
        """,
        [scope_code, as_of, scope_code],
    ).fetchall()
    return [ScopeRate(*row) for row in rows]


def submission_grid(con, as_of: date, scope_code: str) -> list[SubmissionCell]:
    """Every reporting unit of the scope's subtree, January through the as-of month."""
    rows = con.execute(
        _SUBTREE
        + """
        select s.unit_code, u.unit_name, s.period, s.status, s.is_late
        from marts.fct_submission_status s
        join marts.dim_unit u using (unit_code)
        where s.period between ? and ? and s.unit_code in (select unit_code from subtree)
        order by s.unit_code, s.period
        """,
        [scope_code, date(as_of.year, 1, 1), as_of],
    ).fetchall()
    return [SubmissionCell(*row) for row in rows]


def load_submissions(con, as_of: date, scope_code: str) -> dict:
    """The ReportData fields this module fills (keyword arguments)."""
    try:
        return {
            "rule_names": rule_names(con),
            "rates": scope_rates(con, as_of, scope_code),
            "submissions": submission_grid(con, as_of, scope_code),
        }
    except duckdb.CatalogException:  # a warehouse older than dim_unit.depth
        return {"rule_names": {}, "rates": [], "submissions": []}

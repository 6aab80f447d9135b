"""Reads what the report needs from the published marts (read-only connection)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class ProgressRow:
    indicator_code: str
    indicator_name: str
    target_kind: str
    window_start: date
    window_end: date
    numerator: float
    denominator: float | None
    actual_value: float | None
    target_value: float | None
    achievement_pct: float | None
    measures: dict[str, float] = field(default_factory=dict)
    previous_quarter_numerator: float | None = None


@dataclass(frozen=True)
class Issue:
    rule_id: str
    severity: str
    unit_code: str | None
    unit_name: str | None
    period: date | None
    message: str


@dataclass(frozen=True)
class ReportData:
    as_of: date
    province_code: str
    province_name: str
    progress: list[ProgressRow]
    issues: list[Issue]
    units_expected: int
    units_submitted: int
    units_late: list[str]
    units_missing: list[str]


def previous_quarter_end(as_of: date) -> date:
    """The last month of the quarter before the as-of month's quarter."""
    quarter_start_month = (as_of.month - 1) // 3 * 3 + 1
    if quarter_start_month == 1:
        return date(as_of.year - 1, 12, 1)
    return date(as_of.year, quarter_start_month - 1, 1)


def load_report_data(warehouse: Path, as_of: date) -> ReportData:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        province_code, province_name = con.execute(
            "select unit_code, unit_name from marts.dim_unit where level = 'province'"
        ).fetchone()
        quarter_end = previous_quarter_end(as_of)
        rows = con.execute(
            """
            select p.indicator_code, i.indicator_name, i.target_kind, p.window_start, p.window_end,
                   p.numerator, p.denominator, p.actual_value, p.target_value, p.achievement_pct,
                   q.numerator as previous_quarter_numerator
            from marts.fct_indicator_progress p
            join marts.dim_indicator i using (indicator_code)
            left join marts.fct_indicator_progress q
              on q.unit_code = p.unit_code and q.indicator_code = p.indicator_code
             and q.window_start = p.window_start and q.window_end = p.window_end
             and q.as_of = ?
            where p.unit_code = ? and p.as_of = ?
            order by p.indicator_code, p.window_end, p.window_start
            """,
            [quarter_end, province_code, as_of],
        ).fetchall()
        measures: dict[tuple, dict[str, float]] = {}
        for code, start, end, measure, value in con.execute(
            """
            select indicator_code, window_start, window_end, measure_code, value
            from marts.fct_measure_as_of where unit_code = ? and as_of = ?
            """,
            [province_code, as_of],
        ).fetchall():
            measures.setdefault((code, start, end), {})[measure] = value
        progress = [
            ProgressRow(
                *row[:10],
                measures=measures.get((row[0], row[3], row[4]), {}),
                previous_quarter_numerator=row[10],
            )
            for row in rows
        ]
        issues = [
            Issue(*row)
            for row in con.execute(
                """
                select q.rule_id, q.severity, q.unit_code, u.unit_name, q.period, q.message
                from marts.fct_data_quality_issues q
                left join marts.dim_unit u using (unit_code)
                where q.period <= ?
                order by case q.severity when 'error' then 0 when 'warn' then 1 else 2 end,
                         u.unit_name, q.period, q.rule_id, q.measure_code
                """,
                [as_of],
            ).fetchall()
        ]
        status = con.execute(
            """
            select u.unit_name, s.status, s.is_late
            from marts.fct_submission_status s join marts.dim_unit u using (unit_code)
            where s.period = ? order by u.unit_name
            """,
            [as_of],
        ).fetchall()
    return ReportData(
        as_of=as_of,
        province_code=province_code,
        province_name=province_name,
        progress=progress,
        issues=issues,
        units_expected=len(status),
        units_submitted=sum(1 for _, s, _ in status if s == "submitted"),
        units_late=[name for name, s, late in status if s == "submitted" and late],
        units_missing=[name for name, s, _ in status if s == "missing"],
    )

"""Reads what the report needs from the published marts (read-only connection)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from reports.pace import Pace
from reports.submissions_data import ScopeRate, SubmissionCell, load_submissions


class _Window:
    """A row about one indicator's target window."""

    @property
    def window_key(self) -> tuple[str, date, date]:
        return (self.indicator_code, self.window_start, self.window_end)


@dataclass(frozen=True)
class ProgressRow(_Window):
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
    # From marts.dim_indicator and marts.fct_indicator_pace: the report writes them as
    # they are (the words of "Đơn vị tính"; CT7's growth on the previous quarter's end).
    unit_of_measure: str = ""
    previous_quarter_as_of: date | None = None
    growth_on_previous_quarter_pct: float | None = None
    # From marts.fct_indicator_pace: the pace to target (count-like kinds with a target,
    # else None) and the status key (reports.pace.STATUSES).
    pace: Pace | None = None
    status: str = "no_data"


@dataclass(frozen=True)
class UnitProgress(_Window):
    """One unit's progress on one indicator and window, as of the report month."""

    unit_code: str
    unit_name: str
    indicator_code: str
    target_kind: str
    window_start: date
    window_end: date
    numerator: float
    denominator: float | None
    actual_value: float | None
    target_value: float | None
    achievement_pct: float | None
    # False when no month of the window carried any of the indicator's measures
    # (the unit left the cells empty): a 0 in the warehouse, "not reported" here.
    reported: bool = True
    # From marts.fct_unit_rankings: the competition rank among the ranked units (None:
    # not ranked) and the status key (reports.pace.STATUSES).
    rank: int | None = None
    status: str = "no_data"


@dataclass(frozen=True)
class TrendPoint:
    as_of: date
    numerator: float
    denominator: float | None
    actual_value: float | None


@dataclass(frozen=True)
class Issue:
    rule_id: str
    severity: str
    unit_code: str | None
    unit_name: str | None
    period: date | None
    message: str
    measure_code: str | None = None
    observed_value: float | None = None
    limit_value: float | None = None


@dataclass(frozen=True)
class MissingReport:
    unit_code: str
    unit_name: str
    period: date


@dataclass(frozen=True)
class RejectedRow:
    file_name: str
    row_number: int | None
    measure_code: str | None
    raw_value: str | None
    reason_code: str
    message: str | None


@dataclass(frozen=True)
class UnitReporting:
    """One reporting unit's submissions over the as-of year's months through the as-of
    month (marts.fct_reporting_rates when the warehouse has it, else fct_submission_status)."""

    unit_code: str
    unit_name: str
    expected: int
    received: int
    on_time: int


@dataclass(frozen=True)
class ChildProgress(UnitProgress):
    """One direct child of the report's scope (a group or a reporting unit active in the
    as-of month) on one indicator and window: its row of marts.fct_indicator_progress,
    the same figures as a unit's (not ranked: `reported`, `rank`, `status` keep their
    defaults)."""

    level: str = "unit"  # dim_unit.level: `group` or `unit`


@dataclass(frozen=True)
class Scope:
    """Whose report it is: the root (the province report, a publication) or a group
    (`dean5299 run --unit CODE`, CONTRACT §10)."""

    code: str
    name: str
    is_root: bool = True


class ScopeError(ValueError):
    """The unit asked for cannot have a report for that month (one line for people)."""


@dataclass(frozen=True)
class ReportData:
    as_of: date
    # The scope's code and name (the root's for the province report): titles use them.
    province_code: str
    province_name: str
    progress: list[ProgressRow]
    issues: list[Issue]
    units_expected: int
    units_submitted: int
    units_late: list[str]
    units_missing: list[str]
    unit_progress: list[UnitProgress] = field(default_factory=list)
    trend: dict[tuple[str, date, date], list[TrendPoint]] = field(default_factory=dict)
    missing_reports: list[MissingReport] = field(default_factory=list)
    rejected_rows: list[RejectedRow] = field(default_factory=list)
    # settings.csv as the published warehouse read it (staging.stg_reference__settings).
    settings: dict[str, str] = field(default_factory=dict)
    reporting: list[UnitReporting] = field(default_factory=list)
    # The scope's direct children active in the as-of month, each indicator and window.
    children: list[ChildProgress] = field(default_factory=list)
    is_root: bool = True
    # Every node of the scope's subtree, itself included (empty for the root: everything).
    subtree: frozenset[str] = frozenset()
    # reports/submissions_data.py: the rule catalogue's Vietnamese names, the month's
    # reporting rates of the scope and the nodes below it, the year's submission grid.
    rule_names: dict[str, str] = field(default_factory=dict)
    rates: list[ScopeRate] = field(default_factory=list)
    submissions: list[SubmissionCell] = field(default_factory=list)


# The scope's subtree (itself included), from the published dim_unit: every descendant,
# active or not (a unit that ended still counts its months in its ancestors' sums).
SUBTREE_CTE = """
    with recursive subtree (unit_code) as (
        select cast(? as varchar)
        union
        select d.unit_code from marts.dim_unit d join subtree s on d.parent_code = s.unit_code
    )
"""


def _pace(row) -> Pace | None:
    """months_total, months_elapsed, months_remaining, ... of fct_indicator_pace, in order."""
    return None if row[2] is None else Pace(*row)


def _province_progress(con, province_code: str, as_of: date) -> list[ProgressRow]:
    rows = con.execute(
        """
        select p.indicator_code, i.indicator_name, i.target_kind, p.window_start, p.window_end,
               p.numerator, p.denominator, p.actual_value, p.target_value, p.achievement_pct,
               i.unit_of_measure, x.previous_quarter_as_of, x.growth_on_previous_quarter_pct,
               x.status, x.months_total, x.months_elapsed, x.months_remaining, x.target_reached,
               x.needed_per_month, x.current_per_month, x.shortfall, x.time_share_pct,
               x.on_track
        from marts.fct_indicator_progress p
        join marts.dim_indicator i using (indicator_code)
        join marts.fct_indicator_pace x
          using (unit_code, as_of, indicator_code, window_start, window_end)
        where p.unit_code = ? and p.as_of = ?
        order by p.indicator_code, p.window_end, p.window_start
        """,
        [province_code, as_of],
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
    return [
        ProgressRow(
            *row[:10],
            measures=measures.get((row[0], row[3], row[4]), {}),
            unit_of_measure=row[10],
            previous_quarter_as_of=row[11],
            growth_on_previous_quarter_pct=row[12],
            status=row[13],
            pace=_pace(row[14:]),
        )
        for row in rows
    ]


def _unit_progress(con, as_of: date, scope: Scope) -> list[UnitProgress]:
    """The reporting units of every indicator and window, ranked (marts.fct_unit_rankings),
    in the order the report lists them: by rank, the units not ranked last, then by name.
    A group's report ranks its own subtree's units, by the mart's score and order."""
    if scope.is_root:  # the mart's rank, over every unit
        ctes, rank, where, params = "with", "r.rank", "", [as_of]
    else:
        ctes, params = SUBTREE_CTE + ",", [scope.code, as_of]
        where = "and r.unit_code in (select unit_code from subtree)"
        rank = """case when r.ranked_by is not null then rank() over (
                       partition by r.indicator_code, r.window_start, r.window_end,
                                    r.ranked_by is null
                       order by r.ranked_by = 'achievement_pct' desc, r.score desc
                   ) end::integer"""
    rows = con.execute(
        ctes
        + f"""
        ranked as (
            select r.*, {rank} as shown_rank
            from marts.fct_unit_rankings r
            where r.as_of = ? {where}
        )
        select r.unit_code, u.unit_name, r.indicator_code, i.target_kind, r.window_start,
               r.window_end, r.numerator, r.denominator, r.actual_value, r.target_value,
               r.achievement_pct, r.reported, r.shown_rank, r.status
        from ranked r
        join marts.dim_unit u using (unit_code)
        join marts.dim_indicator i using (indicator_code)
        order by r.indicator_code, r.window_end, r.window_start, r.shown_rank nulls last,
                 u.unit_name
        """,
        params,
    ).fetchall()
    return [UnitProgress(*row) for row in rows]


def _children(con, as_of: date, scope: Scope) -> list[ChildProgress]:
    """The scope's direct children active in the as-of month (fct_indicator_progress has
    rows only for active nodes), groups first, then by name."""
    rows = con.execute(
        """
        select p.unit_code, u.unit_name, p.indicator_code, i.target_kind, p.window_start,
               p.window_end, p.numerator, p.denominator, p.actual_value, p.target_value,
               p.achievement_pct, u.level
        from marts.fct_indicator_progress p
        join marts.dim_unit u using (unit_code)
        join marts.dim_indicator i using (indicator_code)
        where u.parent_code = ? and p.as_of = ?
        order by p.indicator_code, p.window_end, p.window_start, u.level = 'unit',
                 u.unit_name, p.unit_code
        """,
        [scope.code, as_of],
    ).fetchall()
    return [ChildProgress(*row[:-1], level=row[-1]) for row in rows]


def _trend(con, province_code: str, as_of: date) -> dict[tuple[str, date, date], list[TrendPoint]]:
    """The province's cumulative figures at the end of every month of each window so far."""
    trend: dict[tuple[str, date, date], list[TrendPoint]] = {}
    for code, start, end, month, numerator, denominator, actual in con.execute(
        """
        select indicator_code, window_start, window_end, as_of, numerator, denominator, actual_value
        from marts.fct_indicator_progress
        where unit_code = ? and as_of <= ?
        order by indicator_code, window_start, window_end, as_of
        """,
        [province_code, as_of],
    ).fetchall():
        trend.setdefault((code, start, end), []).append(
            TrendPoint(month, numerator, denominator, actual)
        )
    return trend


def _issues(con, as_of: date, scope: Scope) -> list[Issue]:
    # A group's report: the issues keyed on a node of its subtree (itself included).
    prefix, where, params = "", "", [as_of]
    if not scope.is_root:
        prefix, params = SUBTREE_CTE, [scope.code, as_of]
        where = "and q.unit_code in (select unit_code from subtree)"
    return [
        Issue(
            rule_id=row[0],
            severity=row[1],
            unit_code=row[2],
            unit_name=row[3],
            period=row[4],
            message=row[5],
            measure_code=row[6],
            observed_value=row[7],
            limit_value=row[8],
        )
        for row in con.execute(
            prefix
            + f"""
            select q.rule_id, q.severity, q.unit_code, u.unit_name, q.period, q.message,
                   q.measure_code, q.observed_value, q.limit_value
            from marts.fct_data_quality_issues q
            left join marts.dim_unit u using (unit_code)
            where q.period <= ? {where}
            order by case q.severity when 'error' then 0 when 'warn' then 1 else 2 end,
                     u.unit_name, q.period, q.rule_id, q.measure_code
            """,
            params,
        ).fetchall()
    ]


def _settings(con) -> dict[str, str]:
    """settings.csv through the published warehouse's staging view (it reads the reference
    snapshot kept beside the warehouse); empty when that is not there."""
    try:
        rows = con.execute(
            "select setting_key, setting_value from staging.stg_reference__settings"
        ).fetchall()
    except duckdb.Error:
        return {}
    return {key: value for key, value in rows if key and value is not None}


def _has_table(con, schema: str, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and "
            "table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


def _reporting(con, as_of: date, scope: Scope) -> list[UnitReporting]:
    """Each reporting unit's expected / received / on-time reports, January through as-of."""
    year_start = date(as_of.year, 1, 1)
    prefix, where, params = "", "", [year_start, as_of]
    if not scope.is_root:
        prefix, params = SUBTREE_CTE, [scope.code, year_start, as_of]
        where = "and unit_code in (select unit_code from subtree)"
    if _has_table(con, "marts", "fct_reporting_rates"):
        query = f"""
            select r.unit_code, u.unit_name, sum(r.expected_reports)::int,
                   sum(r.reports_received)::int, sum(r.reports_on_time)::int
            from marts.fct_reporting_rates r join marts.dim_unit u using (unit_code)
            where u.level = 'unit' and r.period between ? and ? {where}
            group by all having sum(r.expected_reports) > 0 order by u.unit_name
            """
    else:
        query = f"""
            select s.unit_code, u.unit_name, count(*)::int,
                   count(*) filter (where s.status = 'submitted')::int,
                   count(*) filter (
                       where s.status = 'submitted' and not coalesce(s.is_late, false)
                   )::int
            from marts.fct_submission_status s join marts.dim_unit u using (unit_code)
            where s.period between ? and ? {where}
            group by all order by u.unit_name
            """
    return [UnitReporting(*row) for row in con.execute(prefix + query, params).fetchall()]


def resolve_scope(con, as_of: date, unit_code: str | None = None) -> Scope:
    """The root when `unit_code` is empty or the root's; else a group active in the as-of
    month with at least one child active then (CONTRACT §10). ScopeError otherwise."""
    root_code, root_name = con.execute(
        "select unit_code, unit_name from marts.dim_unit where level = 'province'"
    ).fetchone()
    if not unit_code or unit_code == root_code:
        return Scope(root_code, root_name)
    found = con.execute(
        "select unit_name, active_from, active_to from marts.dim_unit where unit_code = ?",
        [unit_code],
    ).fetchone()
    if found is None:
        raise ScopeError(f"đơn vị {unit_code} không có trong danh mục / unknown unit {unit_code}")
    name, active_from, active_to = found
    month = f"{as_of:%m/%Y}"
    if (active_from and active_from > as_of) or (active_to and active_to < as_of):
        raise ScopeError(
            f"{unit_code} ({name}) không hoạt động trong tháng {month} / is not active in "
            f"{as_of:%Y-%m}"
        )
    (active_children,) = con.execute(
        """
        select count(*) from marts.dim_unit where parent_code = ?
          and coalesce(active_from, ?) <= ? and coalesce(active_to, ?) >= ?
        """,
        [unit_code, as_of, as_of, as_of, as_of],
    ).fetchone()
    if not active_children:
        raise ScopeError(
            f"{unit_code} ({name}) là đơn vị báo cáo, không phải cụm/khối trong tháng {month}: "
            f"không có báo cáo riêng / is a reporting unit, not a group, in {as_of:%Y-%m}"
        )
    return Scope(unit_code, name, is_root=False)


def load_report_data(warehouse: Path, as_of: date, unit_code: str | None = None) -> ReportData:
    """The report of the root (default) or of the group `unit_code` (ScopeError when it
    has none for that month): its figures, its subtree's units, issues and reporting."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        scope = resolve_scope(con, as_of, unit_code)
        prefix, where = "", ""
        if not scope.is_root:  # a group: only its subtree's units
            prefix, where = SUBTREE_CTE, "and s.unit_code in (select unit_code from subtree)"
        scoped = [scope.code] if prefix else []
        progress = _province_progress(con, scope.code, as_of)
        status = con.execute(
            prefix
            + f"""
            select u.unit_name, s.status, s.is_late
            from marts.fct_submission_status s join marts.dim_unit u using (unit_code)
            where s.period = ? {where} order by u.unit_name
            """,
            [*scoped, as_of],
        ).fetchall()
        missing = [
            MissingReport(*row)
            for row in con.execute(
                prefix
                + f"""
                select s.unit_code, u.unit_name, s.period
                from marts.fct_submission_status s join marts.dim_unit u using (unit_code)
                where s.status = 'missing' and s.period <= ? {where}
                order by u.unit_name, s.period
                """,
                [*scoped, as_of],
            ).fetchall()
        ]
        # A group's report: the rejected rows of files that loaded rows of its subtree
        # (a file rejected whole names no unit the warehouse knows; the root's report
        # lists it).
        rejected_where = (
            "where file_name in (select source_file from marts.fct_measure_monthly "
            "where unit_code in (select unit_code from subtree))"
            if prefix
            else ""
        )
        rejected = [
            RejectedRow(*row)
            for row in con.execute(
                prefix
                + f"""
                select file_name, row_number, measure_code, raw_value, reason_code, message
                from marts.fct_rejected_rows {rejected_where} order by file_name, row_number
                """,
                scoped,
            ).fetchall()
        ]
        return ReportData(
            as_of=as_of,
            province_code=scope.code,
            province_name=scope.name,
            progress=progress,
            issues=_issues(con, as_of, scope),
            units_expected=len(status),
            units_submitted=sum(1 for _, s, _ in status if s == "submitted"),
            units_late=[name for name, s, late in status if s == "submitted" and late],
            units_missing=[name for name, s, _ in status if s == "missing"],
            unit_progress=_unit_progress(con, as_of, scope),
            trend=_trend(con, scope.code, as_of),
            missing_reports=missing,
            rejected_rows=rejected,
            settings=_settings(con),
            reporting=_reporting(con, as_of, scope),
            children=_children(con, as_of, scope),
            is_root=scope.is_root,
            subtree=frozenset(
                code for (code,) in con.execute(
                    SUBTREE_CTE + "select unit_code from subtree", [scope.code]
                ).fetchall()
            ) if prefix else frozenset(),
            **load_submissions(con, as_of, scope.code),
        )

"""What the HTML report and the workbook both show: rows, rankings, labels.

Pace, status and rank come from the marts (fct_indicator_pace, fct_unit_rankings);
this module only groups and labels them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reports.pace import Pace, Status, pace_of, status_of
from reports.progress_data import ProgressRow, ReportData, UnitProgress
from reports.vi_collate import vi_sort_key

SEVERITY_ORDER = {"error": 0, "warn": 1, "info": 2}
# The workbook's sheets that keep every row (the other formats point to them).
ISSUES_SHEET = "Vấn đề dữ liệu"
REJECTED_SHEET = "Dòng bị loại"
MISSING_SHEET = "Chưa nộp báo cáo"
CHILDREN_SHEET = "Đơn vị trực thuộc"
SEVERITY_COLOURS = {"error": "#cf222e", "warn": "#d4a72c", "info": "#0969da"}


def window_text(start: date, end: date) -> str:
    """'01/2024–12/2024'."""
    return f"{start:%m/%Y}–{end:%m/%Y}"


@dataclass(frozen=True)
class SummaryRow:
    row: ProgressRow
    status: Status
    pace: Pace | None

    @property
    def is_rate(self) -> bool:
        return self.row.target_kind == "rate"


def summary_rows(data: ReportData) -> list[SummaryRow]:
    return [SummaryRow(row, status_of(row), pace_of(row)) for row in data.progress]


def primary_rows(data: ReportData) -> dict[str, ProgressRow]:
    """Each indicator's first window (the one ending soonest: the year, CT8's deadline)."""
    rows: dict[str, ProgressRow] = {}
    for row in data.progress:
        rows.setdefault(row.indicator_code, row)
    return rows


@dataclass(frozen=True)
class RankedUnit:
    rank: int | None  # None: nothing reported, not ranked
    unit: UnitProgress
    status: Status


def ranked_units(data: ReportData, window_key: tuple[str, date, date]) -> list[RankedUnit]:
    """The window's units as marts.fct_unit_rankings ranks them (1, 2, 2, 4), in the order
    the marts were read: by rank, the units not ranked last, then by name."""
    units = [
        RankedUnit(unit.rank, unit, status_of(unit))
        for unit in data.unit_progress
        if unit.window_key == window_key
    ]
    # Ties and the units not ranked: Vietnamese alphabetical order, not code points.
    return sorted(units, key=lambda r: (r.rank is None, r.rank or 0, vi_sort_key(r.unit.unit_name)))


def missing_by_unit(data: ReportData) -> dict[tuple[str, str], list[date]]:
    """(unit_code, unit_name) -> months without a report, through the as-of month."""
    by_unit: dict[tuple[str, str], list[date]] = {}
    for missing in data.missing_reports:
        by_unit.setdefault((missing.unit_code, missing.unit_name), []).append(missing.period)
    return by_unit


# ---- national scale: long lists and charts ------------------------------------------
# The HTML, the Markdown and the .docx are read by people: a list longer than LIST_LIMIT
# rows (a national run has 10.000 units, thousands of issues) shows its first rows and a
# sentence pointing to the workbook and the warehouse, which keep every row.
LIST_LIMIT = 100
# One bar per unit stops being readable (and costs a third of a 500-unit report) past
# this many bars: the chart then shows the scope's direct children or the first and last
# CHART_ENDS units of the ranking.
UNITS_CHART_LIMIT = 40
CHART_ENDS = 10


def first_rows(items, limit: int = LIST_LIMIT) -> tuple[list, int]:
    """(the first `limit` items, how many there are)."""
    items = list(items)
    return items[:limit], len(items)

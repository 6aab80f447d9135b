"""On track or not, as the report shows it: the pace and status read from the marts.

The figures are computed in dbt (`marts.fct_indicator_pace`, docs/arithmetic.md): the
months left in the window, the monthly figure still needed (rounded up), the monthly
figure so far, whether that reaches the target, and a status key. This module only
holds them for the report and gives each status its label and colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def months_between(start: date, end: date) -> int:
    """Months from start's month through end's month, both included (chart month labels)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


@dataclass(frozen=True)
class Pace:
    """One row of marts.fct_indicator_pace where pace applies (count-like kinds with a target)."""

    months_total: int
    months_elapsed: int
    months_remaining: int
    reached: bool
    needed_per_month: int | None  # None once reached or in the window's last month
    current_per_month: float
    shortfall: float | None  # target − numerator while not reached
    time_share_pct: float
    on_track: bool


@dataclass(frozen=True)
class Status:
    key: str  # done | on_track | behind | far_behind | no_target | no_data
    label: str
    colour: str


STATUSES = {
    "done": Status("done", "Đã đạt chỉ tiêu", "#1a7f37"),
    "on_track": Status("on_track", "Đạt tiến độ", "#2da44e"),
    "behind": Status("behind", "Chậm tiến độ", "#d4a72c"),
    "far_behind": Status("far_behind", "Chậm nhiều", "#cf222e"),
    "no_target": Status("no_target", "Chưa có chỉ tiêu", "#8c959f"),
    "no_data": Status("no_data", "Chưa có số liệu", "#8c959f"),
}


def status_of(row, as_of: date | None = None) -> Status:
    """The status of a ProgressRow or UnitProgress (the mart's key); as_of is the row's own."""
    return STATUSES[row.status]


def pace_of(row, as_of: date | None = None) -> Pace | None:
    """The pace of a ProgressRow (None where it does not apply); as_of is the row's own."""
    return row.pace

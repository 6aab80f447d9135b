"""On track or not: the pace a count target needs, and a status colour per indicator.

A count target T over a window of N months, with A achieved after E months (the
numerator, baseline included), needs (T − A) / (N − E) per remaining month. The
current pace A / E reaches T by the window's end exactly when A / T ≥ E / N, so
"on track" is the same test as "achievement at least the share of time elapsed".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

# Count-like kinds: their target is a count to accumulate over the window
# (population_share's target is share × population, a count of citizens).
COUNT_KINDS = ("count", "population_share")

# Below the expected level but at least this fraction of it: amber, else red.
AMBER_FRACTION = 0.75


def months_between(start: date, end: date) -> int:
    """Months from start's month through end's month, both included."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


@dataclass(frozen=True)
class Pace:
    months_total: int
    months_elapsed: int
    numerator: float
    target: float

    @property
    def months_remaining(self) -> int:
        return max(self.months_total - self.months_elapsed, 0)

    @property
    def reached(self) -> bool:
        return self.numerator >= self.target

    @property
    def current_per_month(self) -> float:
        return self.numerator / self.months_elapsed

    @property
    def needed_per_month(self) -> int | None:
        """Whole units per remaining month, rounded up: reaching it reaches the target."""
        if self.reached or not self.months_remaining:
            return None
        return math.ceil((self.target - self.numerator) / self.months_remaining - 1e-9)

    @property
    def time_share_pct(self) -> float:
        """The share of the window elapsed, in percent: where a straight line would be."""
        return 100.0 * self.months_elapsed / self.months_total

    @property
    def on_track(self) -> bool:
        return self.numerator * self.months_total >= self.target * self.months_elapsed


def pace_for(
    target_kind: str,
    window_start: date,
    window_end: date,
    numerator: float,
    target_value: float | None,
    as_of: date,
) -> Pace | None:
    """None for rates, rows without a target, or an as-of month outside the window."""
    if (
        target_kind not in COUNT_KINDS
        or not target_value
        or not window_start <= as_of <= window_end
    ):
        return None
    return Pace(
        months_total=months_between(window_start, window_end),
        months_elapsed=months_between(window_start, as_of),
        numerator=numerator or 0.0,
        target=target_value,
    )


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


def status_for(
    target_kind: str,
    window_start: date,
    window_end: date,
    numerator: float,
    actual_value: float | None,
    target_value: float | None,
    as_of: date,
) -> Status:
    """Rates against the target rate; counts against the straight line to the target."""
    if actual_value is None:
        return STATUSES["no_data"]
    if not target_value:
        return STATUSES["no_target"]
    if target_kind == "rate":
        if actual_value >= target_value:
            return STATUSES["done"]
        return STATUSES["behind" if actual_value >= AMBER_FRACTION * target_value else "far_behind"]
    pace = pace_for(target_kind, window_start, window_end, numerator, target_value, as_of)
    if pace is None:
        return STATUSES["no_target"]
    if pace.reached:
        return STATUSES["done"]
    if pace.on_track:
        return STATUSES["on_track"]
    achieved_share = 100.0 * pace.numerator / pace.target
    return STATUSES[
        "behind" if achieved_share >= AMBER_FRACTION * pace.time_share_pct else "far_behind"
    ]


def status_of(row, as_of: date) -> Status:
    """status_for on a ProgressRow or UnitProgress."""
    return status_for(
        row.target_kind,
        row.window_start,
        row.window_end,
        row.numerator,
        row.actual_value,
        row.target_value,
        as_of,
    )


def pace_of(row, as_of: date) -> Pace | None:
    return pace_for(
        row.target_kind, row.window_start, row.window_end, row.numerator, row.target_value, as_of
    )

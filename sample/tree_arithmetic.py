"""CONTRACT §2 and §10 in plain Python over a small tree of units: what a generated
province must publish, computed from the values written into its reports and never from
the warehouse. Used by the reform sample's generator (its golden.json) and by the tests
that build a province of their own (tests/test_org_tree.py,
tests/test_org_reorganisation.py), so the reference arithmetic is written once, apart
from the SQL it checks.

Months are either `dt.date` (the first of the month) or `YYYY-MM` text, one kind per
tree: both compare in calendar order. Production code does not import sample/.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping

# The stocks (CONTRACT §2): the last value reported in the window, not a sum.
LATEST = frozenset({"accounts_total", "accounts_transacting", "vneid_pending"})
RESETS_IN_JANUARY = frozenset({"accounts_transacting"})

Reports = Mapping[tuple[str, object], Mapping[str, int | None]]


def month_date(text: str) -> dt.date:
    """`YYYY-MM` as the first day of that month."""
    return dt.date(int(text[:4]), int(text[5:7]), 1)


def january(period):
    """The first month of `period`'s year, of the same kind."""
    if isinstance(period, str):
        return f"{period[:4]}-01"
    return dt.date(period.year, 1, 1)


class Tree:
    """Units as (unit_code, parent_code, active_from, active_to) with `YYYY-MM` text
    (parent and active_to empty when none); `month` turns that text into the tree's kind
    of month (text by default)."""

    def __init__(
        self,
        units: Iterable[tuple[str, str, str, str]],
        leaves: Iterable[str],
        month: Callable[[str], object] = str,
    ) -> None:
        units = list(units)
        self.parent = {code: parent for code, parent, _, _ in units if parent}
        self.active = {
            code: (month(start), month(end) if end else None) for code, _, start, end in units
        }
        self.leaves = list(leaves)

    def is_active(self, code: str, period) -> bool:
        start, end = self.active[code]
        return start <= period and (end is None or period <= end)

    def subtree(self, code: str) -> list[str]:
        out = [code]
        for child, parent in self.parent.items():
            if parent == code:
                out += self.subtree(child)
        return out

    def leaf_value(self, reports: Reports, leaf: str, measure: str, start, as_of) -> int:
        """CONTRACT §2 for one reporting unit, its own months only (never a share): sums
        from the window's start through as-of; a stock is the value at as-of or the last
        month before it inside the window (not before January of the as-of year for
        accounts_transacting), nothing once the unit has ended. An empty cell (None)
        counts as not reported."""
        reported = {
            period: values[measure]
            for (code, period), values in reports.items()
            if code == leaf and values.get(measure) is not None
        }
        if measure in LATEST:
            if not self.is_active(leaf, as_of):
                return 0
            look_back = max(start, january(as_of)) if measure in RESETS_IN_JANUARY else start
            periods = [p for p in reported if look_back <= p <= as_of]
            return reported[max(periods)] if periods else 0
        return sum(v for p, v in reported.items() if start <= p <= as_of)

    def scope_value(self, reports: Reports, scope: str, measure: str, start, as_of) -> int:
        """A node's figure: the sum over the reporting units of its subtree."""
        return sum(
            self.leaf_value(reports, leaf, measure, start, as_of)
            for leaf in self.subtree(scope)
            if leaf in self.leaves
        )

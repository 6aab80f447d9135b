"""Reorganisation (CONTRACT §10): merges, splits, shares, lineage, through the real pipeline.

One province, one run of the real CLI (as of 2024-06; data 2023-11..2024-06), the change
taking effect in 2024-04:
- a merge at depth 2: A and B (under group G1) end 2024-03, M starts 2024-04, share 1 each;
- a split at depth 3: S (under G2 -> H) ends 2024-03, S1 (0,6) and S2 (0,4) start 2024-04;
- Q (depth 1) splits into Q1 and Q2 with shares 0,5 + 0,4 = 0,9 (reorganisation_shares);
- T ends 2024-03 with no successor (not flagged); L (depth 1) runs throughout.
Targets sit on predecessors: each successor without its own count target for a window that
contains 2024-04 gets share x the predecessor's (summed over predecessors, no baseline),
S2's own target wins, and no share-derived target enters a group's or the root's target.
Every row of marts.fct_measure_as_of (every scope, every as-of month, every measure kind:
sums, stocks, the January reset of accounts_transacting) is compared with sums computed
here in plain Python from the leaves' reports: sums never use shares.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import duckdb
import pytest
from warehouse_helpers import formula_reports, run_province, write_province

from sample.tree_arithmetic import Tree, month_date

pytestmark = pytest.mark.slow

AS_OF = dt.date(2024, 6, 1)
MONTHS = [dt.date(2023, 11, 1), dt.date(2023, 12, 1)] + [dt.date(2024, m, 1) for m in range(1, 7)]
EFFECTIVE = dt.date(2024, 4, 1)

# The months around the change: the predecessors' last (active_to), the successors' first.
ENDED, STARTED = "2024-03", f"{EFFECTIVE:%Y-%m}"
# unit_code, unit_name, unit_type, parent_code, active_from, active_to
UNITS = [
    ("P", "Tỉnh Đoàn Hợp Nhất", "tinh_doan", "", "2022-01", ""),
    ("L", "Đoàn Khối L", "doan_khoi", "P", "2022-01", ""),
    ("T", "Huyện Đoàn T (giải thể)", "huyen", "P", "2022-01", ENDED),
    ("Q", "Huyện Đoàn Q (chia tách thiếu)", "huyen", "P", "2022-01", ENDED),
    ("Q1", "Xã Q1", "xa", "P", STARTED, ""),
    ("Q2", "Xã Q2", "xa", "P", STARTED, ""),
    ("G1", "Cụm G1", "cum", "P", "2022-01", ""),
    ("A", "Huyện Đoàn A", "huyen", "G1", "2022-01", ENDED),
    ("B", "Huyện Đoàn B", "huyen", "G1", "2022-01", ENDED),
    ("M", "Xã M (hợp nhất A, B)", "xa", "G1", STARTED, ""),
    ("G2", "Cụm G2", "cum", "P", "2022-01", ""),
    ("H", "Cụm H", "cum", "G2", "2022-01", ""),
    ("S", "Huyện Đoàn S", "huyen", "H", "2022-01", ENDED),
    ("S1", "Phường S1", "phuong", "H", STARTED, ""),
    ("S2", "Phường S2", "phuong", "H", STARTED, ""),
]
# from_unit_code, to_unit_code, effective_from, share
CHANGES = [
    ("A", "M", "2024-04", "1"),
    ("B", "M", "2024-04", "1"),
    ("S", "S1", "2024-04", "0,6"),
    ("S", "S2", "2024-04", "0.4"),
    ("Q", "Q1", "2024-04", "0.5"),
    ("Q", "Q2", "2024-04", "0.4"),
]
PARENT = {code: parent for code, _, _, parent, _, _ in UNITS if parent}
LEAVES = [code for code in PARENT if code not in PARENT.values()]
TREE = Tree(((c, parent, start, end) for c, _, _, parent, start, end in UNITS), LEAVES, month_date)
is_active = TREE.is_active
# indicator_code, unit_code, window_start, window_end, target_kind, target_value, baseline
TARGETS = [
    ("CT1", "P", "2023-07", "2024-06", "rate", "40", ""),
    ("CT3", "L", "2024-01", "2024-12", "count", "10", ""),
    ("CT3", "T", "2024-01", "2024-12", "count", "5", ""),
    ("CT3", "Q", "2024-01", "2024-12", "count", "80", ""),
    ("CT3", "A", "2024-01", "2024-12", "count", "100", "7"),  # M gets 100 + 50, no baseline
    ("CT3", "B", "2024-01", "2024-12", "count", "50", ""),
    ("CT3", "S", "2024-01", "2024-12", "count", "200", ""),
    ("CT3", "S2", "2024-01", "2024-12", "count", "99", ""),  # its own wins over 0,4 x 200
    ("CT3", "G2", "2024-01", "2024-12", "count", "250", ""),  # H's children: 299
    ("CT4", "A", "2024-01", "2024-12", "count", "25", ""),
    ("CT4", "B", "2024-01", "2024-12", "count", "15", ""),
    ("CT4", "G1", "2024-01", "2024-12", "count", "40", ""),  # = A + B: not flagged
    ("CT6", "S", "2023-11", "2024-03", "count", "60", ""),  # ends before effective_from
    ("CT8", "S", "2024-05", "2024-12", "count", "70", ""),  # starts after effective_from
]
MEASURES = [
    "accounts_total", "accounts_transacting", "dossiers_supported", "articles_posted",
    "payment_accounts", "vneid_submitted", "vneid_activated", "vneid_pending",
]  # fmt: skip


# L sends nothing for May: its stocks carry over.
REPORTS = formula_reports(
    TREE, MONTHS, first_total=500, gap=("L", dt.date(2024, 5, 1)), measures=MEASURES
)


# CONTRACT §2 for one reporting unit (its own months only, never a share), and a node's
# sum over its subtree's units.
leaf_value = partial(TREE.leaf_value, REPORTS)
scope_value = partial(TREE.scope_value, REPORTS)


def write_workspace(ws) -> None:
    write_province(
        ws,
        REPORTS,
        units=UNITS,
        unit_changes=CHANGES,
        targets=TARGETS,
        population=[("L", 2024, 900)],
        settings=[("submission_deadline_day", "10")],
    )


@pytest.fixture(scope="module")
def reorg_run(tmp_path_factory, dbt_manifest):
    ws = run_province(tmp_path_factory, "org_reorganisation", write_workspace, f"{AS_OF:%Y-%m}")
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        yield con


def targets_at(con, indicator: str, as_of: dt.date = AS_OF) -> dict[str, tuple]:
    """unit -> (window_start, numerator, target_value) of the indicator's rows at as_of."""
    rows = con.execute(
        """
        select unit_code, window_start, numerator, target_value
        from marts.fct_indicator_progress where indicator_code = ? and as_of = ?
        """,
        [indicator, as_of],
    ).fetchall()
    out: dict[str, tuple] = {}
    for unit, start, numerator, target in rows:
        assert unit not in out, (unit, indicator)
        out[unit] = (start, numerator, target)
    return out


def test_lineage_for_bi(reorg_run):
    rows = reorg_run.execute(
        "select unit_code, predecessor_code, effective_from, share from marts.dim_unit_lineage "
        "order by 1, 2"
    ).fetchall()
    assert rows == [
        ("M", "A", EFFECTIVE, 1.0),
        ("M", "B", EFFECTIVE, 1.0),
        ("Q1", "Q", EFFECTIVE, 0.5),
        ("Q2", "Q", EFFECTIVE, 0.4),
        ("S1", "S", EFFECTIVE, 0.6),
        ("S2", "S", EFFECTIVE, 0.4),
    ]
    depths = dict(reorg_run.execute("select unit_code, depth from marts.dim_unit").fetchall())
    assert (depths["L"], depths["M"], depths["S1"]) == (1, 2, 3)


def test_successors_get_share_targets_never_summed_upward(reorg_run):
    ct3 = targets_at(reorg_run, "CT3")
    start = dt.date(2024, 1, 1)
    # share x the predecessor's target, summed over predecessors; an own target wins
    assert ct3["M"][2] == pytest.approx(150)
    assert ct3["S1"][2] == pytest.approx(120)
    assert ct3["S2"][2] == 99
    assert ct3["Q1"][2] == pytest.approx(40)
    assert ct3["Q2"][2] == pytest.approx(32)
    # groups and the root: targets.csv's rows only (children active in some month of the
    # window; a group's own target wins), never the successors' derived ones
    assert ct3["G1"][2] == 150
    assert ct3["H"][2] == 200 + 99
    assert ct3["G2"][2] == 250
    assert ct3["P"][2] == 10 + 5 + 80 + 150 + 250
    # the successor's count is its own months only (no share of A's baseline or months);
    # the group's carries A's baseline with A's row
    assert ct3["M"][1] == scope_value("M", "dossiers_supported", start, AS_OF)
    assert ct3["G1"][1] == scope_value("G1", "dossiers_supported", start, AS_OF) + 7
    # predecessors have no rows after they end; successors none before they start
    assert "A" not in ct3 and "S" not in ct3
    assert "M" not in targets_at(reorg_run, "CT3", dt.date(2024, 3, 1))
    # CT4 is a count too: M = A + B
    assert targets_at(reorg_run, "CT4")["M"][2] == pytest.approx(40)


def test_successors_get_only_windows_containing_effective_from(reorg_run):
    windows = reorg_run.execute(
        """
        select unit_code, indicator_code, min(as_of), max(as_of)
        from marts.fct_indicator_progress
        where unit_code in ('M', 'S1', 'S2', 'Q1', 'Q2')
        group by all order by 1, 2
        """
    ).fetchall()
    assert windows == [
        ("M", "CT1", EFFECTIVE, AS_OF),  # the root's window
        ("M", "CT3", EFFECTIVE, AS_OF),
        ("M", "CT4", EFFECTIVE, AS_OF),
        ("Q1", "CT1", EFFECTIVE, AS_OF),
        ("Q1", "CT3", EFFECTIVE, AS_OF),
        ("Q2", "CT1", EFFECTIVE, AS_OF),
        ("Q2", "CT3", EFFECTIVE, AS_OF),
        ("S1", "CT1", EFFECTIVE, AS_OF),
        ("S1", "CT3", EFFECTIVE, AS_OF),  # S's CT6 ends and its CT8 starts off 2024-04
        ("S2", "CT1", EFFECTIVE, AS_OF),
        ("S2", "CT3", EFFECTIVE, AS_OF),
    ]


def test_every_scope_is_the_sum_of_its_leaves_across_the_boundary(reorg_run):
    """Every measure row of every scope and as-of month: no share in any sum."""
    rows = reorg_run.execute(
        "select unit_code, as_of, window_start, measure_code, value from marts.fct_measure_as_of"
    ).fetchall()
    assert {row[0] for row in rows} >= {"P", "G1", "G2", "H", "M", "S1", "S2", "A", "S"}
    assert {row[3] for row in rows} >= set(MEASURES) - {"vneid_submitted"}
    mismatches = [
        (scope, as_of, measure, value, scope_value(scope, measure, start, as_of))
        for scope, as_of, start, measure, value in rows
        if value != scope_value(scope, measure, start, as_of)
    ]
    assert not mismatches, mismatches[:10]
    # the data crosses the boundary: G1's flows keep A's and B's months, its stock
    # switches from A + B to M; the year's transacting accounts reset in January
    start = dt.date(2023, 7, 1)
    march, april = dt.date(2024, 3, 1), EFFECTIVE
    assert scope_value("G1", "accounts_total", start, march) == sum(
        leaf_value(u, "accounts_total", start, march) for u in ("A", "B")
    )
    assert scope_value("G1", "accounts_total", start, april) == leaf_value(
        "M", "accounts_total", start, april
    )
    assert scope_value("G1", "dossiers_supported", start, april) > leaf_value(
        "M", "dossiers_supported", start, april
    )
    december = dt.date(2023, 12, 1)
    assert scope_value("P", "accounts_transacting", start, dt.date(2024, 1, 1)) < scope_value(
        "P", "accounts_transacting", start, december
    )


def test_reorganisation_shares_flags_only_shares_not_adding_up(reorg_run):
    issues = reorg_run.execute(
        """
        select unit_code, period, severity, observed_value, limit_value, message
        from marts.fct_data_quality_issues where rule_id = 'reorganisation_shares'
        """
    ).fetchall()
    assert len(issues) == 1, issues
    unit, period, severity, observed, limit, message = issues[0]
    assert (unit, period, severity, limit) == ("Q", EFFECTIVE, "info", 1.0)
    assert observed == pytest.approx(0.9)
    assert message == (
        "Tổng tỷ lệ chuyển giao của đơn vị Q cho 2 đơn vị kế thừa (Q1, Q2) từ tháng 4/2024 "
        "là 0,9, không bằng 1: chỉ tiêu chia theo tỷ lệ cho các đơn vị kế thừa không cộng "
        "lại bằng chỉ tiêu của đơn vị cũ."
    )


def test_targets_inconsistent_on_groups(reorg_run):
    issues = reorg_run.execute(
        """
        select unit_code, period, measure_code, observed_value, limit_value, message
        from marts.fct_data_quality_issues where rule_id = 'targets_inconsistent'
        """
    ).fetchall()
    # G2's own 250 against H's 299 (S and S2); G1's CT4 (40 = 25 + 15) agrees
    assert issues == [
        (
            "G2", dt.date(2024, 1, 1), None, 299.0, 250.0,
            "Tổng chỉ tiêu CT3 giao cho 2 đơn vị kỳ 1/2024–12/2024 (299) khác chỉ tiêu của "
            "Cụm G2 (250).",
        )
    ]  # fmt: skip


def test_groups_and_successors_in_the_status_grid(reorg_run):
    statuses = reorg_run.execute(
        "select unit_code, min(period), max(period) from marts.fct_submission_status group by 1"
    ).fetchall()
    got = {unit: (first, last) for unit, first, last in statuses}
    assert set(got) == set(LEAVES)
    assert got["A"] == (MONTHS[0], dt.date(2024, 3, 1))
    assert got["M"] == (EFFECTIVE, AS_OF)

"""The organisation tree (CONTRACT §10), through the real pipeline on a small province.

One tree holds leaves at depth 1, 2 and 3 (P -> L1; P -> G -> X, Y, Z; P -> G -> H -> H1,
H2), one run of the real CLI:
- X ends 2024-01 and Y starts 2024-02 (its successor), Z ended 2023-12: a group's sums
  keep X's and Z's months, its stocks switch from X to Y across the boundary, and the
  January reset of accounts_transacting applies at every level;
- G sends a report of its own for 2024-02: every row is rejected (`unit_not_leaf`) and
  `report_from_group` (error) flags it; groups have no submission status rows;
- targets: counts on leaves summed upward (children active in the window only, a child
  group's own target wins over its children's), a count on the root for the root alone,
  rates and population shares from the nearest ancestor, populations summed over the
  subtree unless a node has its own row.
Every row of marts.fct_measure_as_of is compared with sums computed here in plain Python
from the leaves' reports.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import duckdb
import pytest
from warehouse_helpers import formula_reports, run_province, write_province

from ingestion.template import write_report_csv
from sample.tree_arithmetic import Tree, month_date

pytestmark = pytest.mark.slow

AS_OF = dt.date(2024, 3, 1)
MONTHS = [
    dt.date(2023, 11, 1),
    dt.date(2023, 12, 1),
    dt.date(2024, 1, 1),
    dt.date(2024, 2, 1),
    AS_OF,
]

# unit_code, unit_name, unit_type, parent_code, active_from, active_to
UNITS = [
    ("P", "Tỉnh Đoàn Cây", "tinh_doan", "", "2022-01", ""),
    ("L1", "Huyện Đoàn L1", "huyen", "P", "2022-01", ""),
    ("G", "Cụm G", "cum", "P", "2022-01", ""),
    ("X", "Xã X (sáp nhập vào Y)", "xa", "G", "2022-01", "2024-01"),
    ("Y", "Xã Y (kế thừa X)", "xa", "G", "2024-02", ""),
    ("Z", "Xã Z (giải thể)", "xa", "G", "2022-01", "2023-12"),
    ("H", "Cụm H", "cum", "G", "2022-01", ""),
    ("H1", "Phường H1", "phuong", "H", "2022-01", ""),
    ("H2", "Phường H2", "phuong", "H", "2022-01", ""),
]
LEAVES = ["L1", "X", "Y", "Z", "H1", "H2"]
TREE = Tree(((c, parent, start, end) for c, _, _, parent, start, end in UNITS), LEAVES, month_date)
is_active = TREE.is_active
GROUPS = ["P", "G", "H"]

# indicator_code, unit_code, window_start, window_end, target_kind, target_value, baseline
TARGETS = [
    ("CT1", "P", "2023-07", "2024-06", "rate", "40", ""),
    ("CT1", "H", "2023-07", "2024-06", "rate", "55", ""),
    ("CT3", "L1", "2024-01", "2024-12", "count", "100", ""),
    ("CT3", "X", "2024-01", "2024-12", "count", "50", ""),
    ("CT3", "Y", "2024-01", "2024-12", "count", "70", ""),
    ("CT3", "Z", "2024-01", "2024-12", "count", "999", ""),  # Z is not active in 2024
    ("CT3", "H1", "2024-01", "2024-12", "count", "30", ""),
    ("CT3", "H2", "2024-01", "2024-12", "count", "40", ""),
    ("CT4", "G", "2024-01", "2024-12", "count", "500", "5"),
    ("CT4", "H1", "2024-01", "2024-12", "count", "20", ""),
    ("CT4", "L1", "2024-01", "2024-12", "count", "10", ""),
    ("CT6", "P", "2023-11", "2024-10", "count", "1000", ""),
    ("CT7", "P", "2024-01", "2024-12", "population_share", "10", ""),
    ("CT8", "P", "2023-11", "2024-06", "count", "300", ""),
]
# H has its own row: H1 and H2 are inside it (not added again).
PEOPLE_2024 = {"L1": 1000, "X": 500, "Y": 600, "H": 2000, "H1": 700, "H2": 800}
POPULATION = [(code, 2024, people) for code, people in PEOPLE_2024.items()]
MEASURES = {
    "CT1": ["accounts_total", "accounts_transacting"],
    "CT3": ["dossiers_supported"],
    "CT4": ["articles_posted"],
    "CT6": ["payment_accounts"],
    "CT7": ["digital_signatures"],
    "CT8": ["vneid_submitted", "vneid_activated", "vneid_pending"],
}


# H2 sends nothing for February: its stocks carry over.
REPORTS = formula_reports(TREE, MONTHS, first_total=1000, gap=("H2", dt.date(2024, 2, 1)))
# G's own report for February: G is a group then (its children are active).
GROUP_REPORT = {"dossiers_supported": 999_999, "articles_posted": 999, "vneid_pending": 88_888}


# CONTRACT §2 for one reporting unit, and a node's sum over its subtree's units.
leaf_value = partial(TREE.leaf_value, REPORTS)
scope_value = partial(TREE.scope_value, REPORTS)


def write_workspace(ws) -> None:
    settings = [("submission_deadline_day", "10"), ("province_name", "Tỉnh Đoàn Cây")]
    write_province(
        ws, REPORTS, units=UNITS, targets=TARGETS, population=POPULATION, settings=settings
    )
    write_report_csv(
        ws.inbox / "g_2024_02.csv",
        [("G", "2024-02", measure, value) for measure, value in GROUP_REPORT.items()],
    )


@pytest.fixture(scope="module")
def tree_run(tmp_path_factory, dbt_manifest):
    ws = run_province(tmp_path_factory, "org_tree", write_workspace, f"{AS_OF:%Y-%m}")
    return duckdb.connect(str(ws.warehouse), read_only=True)


def progress(con, unit: str, indicator: str, as_of: dt.date = AS_OF) -> list[tuple]:
    return con.execute(
        """
        select window_start, numerator, denominator, target_value, achievement_pct
        from marts.fct_indicator_progress
        where unit_code = ? and indicator_code = ? and as_of = ?
        order by window_start
        """,
        [unit, indicator, as_of],
    ).fetchall()


def test_dim_unit_levels_and_depths(tree_run):
    rows = tree_run.execute(
        "select unit_code, level, depth, parent_code, active_from, active_to from marts.dim_unit"
    ).fetchall()
    got = {code: (level, depth) for code, level, depth, *_ in rows}
    assert got == {
        "P": ("province", 0),
        "L1": ("unit", 1),
        "G": ("group", 1),
        "X": ("unit", 2),
        "Y": ("unit", 2),
        "Z": ("unit", 2),
        "H": ("group", 2),
        "H1": ("unit", 3),
        "H2": ("unit", 3),
    }
    x = next(row for row in rows if row[0] == "X")
    assert x[3] == "G" and x[4] == dt.date(2022, 1, 1) and x[5] == dt.date(2024, 1, 1)


def test_every_scope_is_the_sum_of_its_leaves(tree_run):
    """Every measure row of every scope (root, groups, leaves), every as-of month."""
    rows = tree_run.execute(
        """
        select unit_code, as_of, indicator_code, window_start, measure_code, value
        from marts.fct_measure_as_of
        """
    ).fetchall()
    scopes = {row[0] for row in rows}
    assert scopes == {"P", "G", "H", "L1", "X", "Y", "Z", "H1", "H2"}
    # groups have rows in every month; X none after its active_to, Y none before its start
    assert {row[1] for row in rows if row[0] == "G"} == set(MONTHS)
    assert max(row[1] for row in rows if row[0] == "X") == dt.date(2024, 1, 1)
    assert min(row[1] for row in rows if row[0] == "Y") == dt.date(2024, 2, 1)
    mismatches = [
        (scope, as_of, measure, value, scope_value(scope, measure, start, as_of))
        for scope, as_of, _, start, measure, value in rows
        if value != scope_value(scope, measure, start, as_of)
    ]
    assert not mismatches, mismatches[:10]
    # The data really crosses the boundaries: G's flows keep X's and Z's months after
    # they end, its stock switches from X to Y, and G's own report adds nothing.
    window = dt.date(2023, 11, 1)
    g_activated = scope_value("G", "vneid_activated", window, AS_OF)
    assert g_activated > sum(
        leaf_value(n, "vneid_activated", window, AS_OF) for n in ("Y", "H1", "H2")
    )
    assert leaf_value("X", "vneid_pending", window, AS_OF) == 0
    assert leaf_value("X", "vneid_pending", window, dt.date(2024, 1, 1)) > 0


def test_group_rows_and_rates_are_sum_over_sum(tree_run):
    (row,) = progress(tree_run, "G", "CT1")
    numerator = scope_value("G", "accounts_transacting", dt.date(2023, 7, 1), AS_OF)
    denominator = scope_value("G", "accounts_total", dt.date(2023, 7, 1), AS_OF)
    assert row[1:3] == (numerator, denominator)
    assert row[3] == 40  # the nearest ancestor with a CT1 target is the root
    assert progress(tree_run, "H", "CT1")[0][3] == 55  # its own
    assert progress(tree_run, "H1", "CT1")[0][3] == 55  # nearest: H, not the root
    assert progress(tree_run, "X", "CT1", dt.date(2024, 1, 1))[0][3] == 40


def test_group_targets_follow_section_10(tree_run):
    def target(unit, indicator):
        (row,) = progress(tree_run, unit, indicator)
        return row[3]

    # CT3 on leaves only: H = H1 + H2; G = X + Y + H (Z ended before the window); P = L1 + G
    assert target("H", "CT3") == 70
    assert target("G", "CT3") == 50 + 70 + 70
    assert target("P", "CT3") == 100 + 190
    # CT4: G's own 500 wins over H1's 20 and is what enters the root's sum (with L1's 10)
    assert target("H", "CT4") == 20
    assert target("G", "CT4") == 500
    assert target("P", "CT4") == 510
    (root_ct4,) = progress(tree_run, "P", "CT4")
    assert root_ct4[1] == scope_value("P", "articles_posted", dt.date(2024, 1, 1), AS_OF) + 5
    # CT6 on the root: the root's alone
    assert target("P", "CT6") == 1000
    assert target("G", "CT6") is None
    # CT7: 10 % of the population; H's own row, G = X + Y + H, the root = L1 + G
    assert target("H", "CT7") == pytest.approx(200)
    assert target("G", "CT7") == pytest.approx(310)
    assert target("P", "CT7") == pytest.approx(410)


def test_a_groups_own_report_is_rejected(tree_run):
    rejected = tree_run.execute(
        "select reason_code, count(*) from marts.fct_rejected_rows "
        "where file_name like '%g_2024_02.csv' group by all"
    ).fetchall()
    assert rejected == [("unit_not_leaf", len(GROUP_REPORT))]
    (ingestion,) = tree_run.execute(
        "select rows_read, rows_loaded, rows_rejected from marts.fct_file_ingestion "
        "where file_name like '%g_2024_02.csv'"
    ).fetchall()
    assert ingestion == (3, 0, 3)
    issues = tree_run.execute(
        "select rule_id, severity, unit_code, period, observed_value "
        "from marts.fct_data_quality_issues where rule_id = 'report_from_group'"
    ).fetchall()
    assert issues == [("report_from_group", "error", "G", dt.date(2024, 2, 1), 3.0)]
    assert not tree_run.execute(
        "select * from marts.fct_measure_monthly where unit_code in ('P', 'G', 'H')"
    ).fetchall()
    # only reporting units are expected to report
    statuses = tree_run.execute("select distinct unit_code from marts.fct_submission_status")
    assert {code for (code,) in statuses.fetchall()} == set(LEAVES)

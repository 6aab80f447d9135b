"""CONTRACT §8 end to end: one hand-made province where each unit carries one rule's
trigger or a near miss, run once through the real CLI (dbt build + Dagster + GX
checks); then the same warehouse with a broken reference, which must not be published.

Units (root TDX, months 2024-01..2024-06, as-of 2024-06; SDNM also reports 2023-12):
trigger / near miss
  PEW / PEWNM     part_exceeds_whole: dossiers_online 101 > dossiers_total 100 / equal
  AEP / AEPNM     activations_exceed_pending: 125 > 20 + 100 / 120 = 20 + 100
  PU / PUNM       pending_unexplained: 30 > 20 + 100 − 95 / 25 (the identity holds)
  SD / SDNM       stock_decreased: accounts_total 1050 after 1060 / equal months, and
                  accounts_transacting restarting in January after December 2023
  OUT / OUTNM     outlier_vs_history (MAD 5): 600 / 228 just inside 202,5 + 3,5 × 7,413
  OUTZ / OUTZNM   outlier_vs_history, constant history (MAD 0): 60 / 55
  EP / EPNM       exceeds_population: running sum 1.010 > 1.000 in May / sum = population
  CM / CMNM       cumulative_mismatch: Lũy kế 50 ≠ 52 / right Lũy kế, and one on a stock
  MS / MSNM       missing_submission: no March report (and April is not compared with
                  February by the M−1 rules) / a unit merged away after February
  LS / LSNM       late_submission: June received 5 days late / at 23:59 on the deadline
  targets         CT3 unit targets 600 + 300 ≠ 1.000 / CT4 60 + 40 = 100, CT6 without a
                  root target, a unit's rate target (rates do not add up)
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from conftest import Workspace
from warehouse_helpers import run_province

from ingestion.template import write_report_csv, write_report_workbook
from sample.reference_writer import write_reference_csv

pytestmark = pytest.mark.slow

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONTHS = [f"2024-{m:02d}" for m in range(1, 7)]
ROOT = "TDX"

# unit -> (active_from, active_to)
UNITS = {
    code: ("2024-01", "")
    for code in [
        "PEW",
        "PEWNM",
        "AEP",
        "AEPNM",
        "PU",
        "PUNM",
        "SD",
        "OUT",
        "OUTNM",
        "OUTZ",
        "OUTZNM",
        "EP",
        "EPNM",
        "CM",
        "CMNM",
        "MS",
        "LS",
        "LSNM",
    ]
}
UNITS["SDNM"] = ("2023-12", "")
UNITS["MSNM"] = ("2024-01", "2024-02")

TARGETS = """indicator_code,unit_code,window_start,window_end,target_kind,target_value,baseline
CT1,TDX,2024-01,2024-12,rate,40,
CT1,SD,2024-01,2024-12,rate,50,
CT3,TDX,2024-01,2024-12,count,1000,
CT3,PEW,2024-01,2024-12,count,600,
CT3,PEWNM,2024-01,2024-12,count,300,
CT4,TDX,2024-01,2024-12,count,100,
CT4,CM,2024-01,2024-12,count,60,
CT4,CMNM,2024-01,2024-12,count,40,
CT6,SD,2024-01,2024-12,count,50,
CT6,SDNM,2024-01,2024-12,count,70,
"""

RULES_SEED = Path(__file__).resolve().parents[1] / "dbt_project/seeds/data_quality_rules.csv"


def vneid(submitted, activated, first_pending, reported_pending=None):
    """CT8 series where pending(M) = pending(M−1) + submitted(M) − activated(M), never
    below 0; `reported_pending` overrides one month {index: value}."""
    pending, series = first_pending, []
    for i, (s, a) in enumerate(zip(submitted, activated, strict=True)):
        pending = first_pending if i == 0 else max(0, pending + s - a)
        pending = (reported_pending or {}).get(i, pending)
        series.append(pending)
    return {"vneid_submitted": submitted, "vneid_activated": activated, "vneid_pending": series}


SUBMITTED = [105, 115, 95, 110, 100, 108]
ACTIVATED = [100, 112, 92, 106, 95, 104]
SUPPORTED = [200, 210, 190, 205]
SIGNATURES = [200, 180, 210, 190, 230, 200]
ARTICLES = [10, 12, 9, 11, 10, 12]
DOSSIERS_TOTAL = [100, 104, 98, 102, 100, 101]
ONLINE = [90, 95, 88, 93]  # January..April; May is the trigger or the near miss

# unit -> measure -> six monthly values (None: not reported that month)
SERIES: dict[str, dict[str, list]] = {
    "PEW": {"dossiers_total": DOSSIERS_TOTAL, "dossiers_online": [*ONLINE, 101, 91]},
    "PEWNM": {
        "dossiers_total": DOSSIERS_TOTAL,
        "dossiers_online": [*ONLINE, 100, 91],
        "accounts_total": [300, 310, 320, 330, 340, 350],
        "accounts_transacting": [30, 60, 90, 120, 150, 350],
    },
    "AEP": vneid(SUBMITTED, [*ACTIVATED[:4], 125, ACTIVATED[5]], 10),
    "AEPNM": vneid(SUBMITTED, [*ACTIVATED[:4], 120, ACTIVATED[5]], 10),
    "PU": vneid(SUBMITTED, ACTIVATED, 10, reported_pending={4: 30}),
    "PUNM": vneid(SUBMITTED, ACTIVATED, 10),
    "SD": {
        "accounts_total": [1000, 1030, 1060, 1050, 1080, 1110],
        "accounts_transacting": [100, 200, 300, 350, 400, 450],
    },
    "SDNM": {
        "accounts_total": [2000, 2000, 2050, 2050, 2100, 2100],
        "accounts_transacting": [100, 200, 300, 400, 500, 600],
    },
    "OUT": {"dossiers_supported": [*SUPPORTED, 600, 200]},
    "OUTNM": {"dossiers_supported": [*SUPPORTED, 228, 200]},
    "OUTZ": {"dossiers_supported": [50, 50, 50, 50, 60, 50]},
    "OUTZNM": {"dossiers_supported": [50, 50, 50, 50, 55, 50]},
    "EP": {"digital_signatures": SIGNATURES},
    "EPNM": {"digital_signatures": SIGNATURES},
    "CM": {"articles_posted": ARTICLES},
    "CMNM": {"articles_posted": ARTICLES},
    "MS": {
        "accounts_total": [1000, 1010, None, 990, 1000, 1020],
        "vneid_submitted": [10, 10, None, 10, 10, 10],
        "vneid_activated": [5, 5, None, 5, 5, 5],
        "vneid_pending": [10, 12, None, 200, 205, 210],
    },
    "MSNM": {"accounts_total": [400, 410, None, None, None, None]},
    "LS": {"accounts_total": [500, 510, 520, 530, 540, 550]},
    "LSNM": {"accounts_total": [500, 510, 520, 530, 540, 550]},
}
POPULATION = {"EP": 1000, "EPNM": sum(SIGNATURES)}
WORKBOOK_MAY = {  # May reports sent as workbooks, with a Lũy kế column
    "CM": ({"articles_posted": 10}, {"articles_posted": 50}),  # Jan–May sum is 52
    "CMNM": (
        {"articles_posted": 10, "accounts_total": 500},
        {"articles_posted": 52, "accounts_total": 123},
    ),
}
LATE_JUNE = {
    "LS": dt.datetime(2024, 7, 15, 10, 0, tzinfo=TZ),
    "LSNM": dt.datetime(2024, 7, 10, 23, 59, tzinfo=TZ),
}

# (rule_id, severity, unit_code, period, measure_code, observed_value, limit_value)
EXPECTED = [
    ("part_exceeds_whole", "error", "PEW", "2024-05-01", "dossiers_online", 101, 100),
    ("activations_exceed_pending", "error", "AEP", "2024-05-01", "vneid_activated", 125, 120),
    ("pending_unexplained", "warn", "PU", "2024-05-01", "vneid_pending", 30, 25),
    ("stock_decreased", "warn", "SD", "2024-04-01", "accounts_total", 1050, 1060),
    (
        "outlier_vs_history",
        "warn",
        "OUT",
        "2024-05-01",
        "dossiers_supported",
        600,
        202.5 + 3.5 * 1.4826 * 5,
    ),
    (
        "outlier_vs_history",
        "warn",
        "OUTZ",
        "2024-05-01",
        "dossiers_supported",
        60,
        50 + 3.5 * 1.4826,
    ),
    ("exceeds_population", "error", "EP", "2024-05-01", "digital_signatures", 1010, 1000),
    ("cumulative_mismatch", "warn", "CM", "2024-05-01", "articles_posted", 50, 52),
    ("targets_inconsistent", "info", "TDX", "2024-01-01", None, 900, 1000),
    ("missing_submission", "warn", "MS", "2024-03-01", None, None, None),
    ("late_submission", "info", "LS", "2024-06-01", None, 5, 0),
]


def _set_mtime(path, moment: dt.datetime) -> None:
    os.utime(path, (moment.timestamp(), moment.timestamp()))


def _received(month: str) -> dt.datetime:
    """The 5th of the next month, 09:00 local: on time."""
    year, mon = map(int, month.split("-"))
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return dt.datetime(year, mon, 5, 9, 0, tzinfo=TZ)


def _active(code: str, month: str) -> bool:
    start, end = UNITS[code]
    return start <= month and (not end or month <= end)


def build_province(ws: Workspace) -> None:
    ref = ws.reference
    write_reference_csv(
        ref,
        "units",
        [(ROOT, "Tỉnh Đoàn Thử Nghiệm", "tinh_doan", "", "2022-01", "")]
        + [
            (code, f"Đơn vị {code}", "huyen", ROOT, start, end)
            for code, (start, end) in UNITS.items()
        ],
    )
    (ref / "targets.csv").write_text(TARGETS, encoding="utf-8")
    write_reference_csv(ref, "population", [(u, 2024, p) for u, p in POPULATION.items()])
    write_reference_csv(ref, "settings", [("submission_deadline_day", "10")])

    # December 2023: only SDNM was active (accounts_transacting restarts in January).
    december = write_report_csv(
        ws.inbox / "2023-12" / "sdnm.csv",
        [
            ("SDNM", "2023-12", "accounts_transacting", 900),
            ("SDNM", "2023-12", "accounts_total", 2000),
        ],
    )
    _set_mtime(december, _received("2023-12"))
    for index, month in enumerate(MONTHS):
        rows, separate = [], {}
        for code, measures in SERIES.items():
            if not _active(code, month):
                continue
            unit_rows = [
                (code, month, measure, values[index])
                for measure, values in measures.items()
                if values[index] is not None
            ]
            if (month == "2024-05" and code in WORKBOOK_MAY) or (
                month == "2024-06" and code in LATE_JUNE
            ):
                separate[code] = unit_rows
            else:
                rows += unit_rows
        path = write_report_csv(ws.inbox / month / f"bao_cao_{month}.csv", rows)
        _set_mtime(path, _received(month))
        for code, unit_rows in separate.items():
            if month == "2024-06":
                path = write_report_csv(ws.inbox / month / f"{code.lower()}_{month}.csv", unit_rows)
                _set_mtime(path, LATE_JUNE[code])
    for code, (values, cumulative) in WORKBOOK_MAY.items():
        path = write_report_workbook(
            ws.inbox / "2024-05" / f"{code.lower()}_thang05.xlsx",
            unit_code=code,
            unit_name=f"Đơn vị {code}",
            period="2024-05",
            values=values,
            cumulative=cumulative,
            report_date=dt.date(2024, 6, 4),
        )
        _set_mtime(path, _received("2024-05"))


def issues(warehouse) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            """
            select rule_id, severity, unit_code, period::varchar, measure_code, observed_value,
                   limit_value, message
            from marts.fct_data_quality_issues order by rule_id, unit_code, period
            """
        ).fetchall()


@pytest.fixture(scope="module")
def province_run(tmp_path_factory, dbt_manifest):
    ws = run_province(tmp_path_factory, "quality_rules", build_province, "2024-06")
    return ws, issues(ws.warehouse)


def test_each_rule_fires_exactly_where_planted(province_run):
    _, found = province_run
    got = [row[:7] for row in found]
    want = sorted(EXPECTED, key=lambda row: (row[0], row[2], row[3]))
    assert [row[:5] for row in got] == [row[:5] for row in want]
    for got_row, want_row in zip(got, want, strict=True):
        for got_value, want_value in zip(got_row[5:], want_row[5:], strict=True):
            assert got_value == (
                None if want_value is None else pytest.approx(want_value, abs=1e-6)
            ), got_row


def test_every_rule_of_the_catalogue_is_exercised(province_run):
    _, found = province_run
    with open(RULES_SEED, encoding="utf-8") as handle:
        rule_severities = {row["rule_id"]: row["severity"] for row in csv.DictReader(handle)}
    # These need a history (a close, then a resubmission), a tree of groups or a
    # reorganisation: they fire in tests/test_time_model.py, tests/test_org_tree.py and
    # tests/test_org_reorganisation.py. A running total typed
    # into the month's column would also trip cumulative_mismatch and outlier_vs_history
    # here; monthly_equals_cumulative is pinned by its dbt unit test
    # (models/quality/_quality__models.yml, run by tests/test_dbt_unit_tests.py).
    elsewhere = {
        "revised_after_close", "report_from_group", "monthly_equals_cumulative",
        "reorganisation_shares",  # tests/test_org_reorganisation.py
    }  # fmt: skip
    assert {row[0] for row in found} == set(rule_severities) - elsewhere
    assert all(rule_severities[row[0]] == row[1] for row in found)


def test_near_misses_and_older_months_do_not_fire(province_run):
    _, found = province_run
    flagged_units = {row[2] for row in found}
    for code in SERIES:
        if code.endswith("NM"):
            assert code not in flagged_units, code
    # MS: April is not compared with February (March not reported).
    assert [row[0] for row in found if row[2] == "MS"] == ["missing_submission"]


def test_messages_are_vietnamese_with_the_numbers(province_run):
    _, found = province_run
    messages = {row[0]: row[7] for row in found}
    assert messages["activations_exceed_pending"] == (
        "Số tài khoản VNeID kích hoạt trong tháng 5/2024 (125) lớn hơn số hồ sơ chờ duyệt "
        "tháng trước (20) cộng số đã nộp trong tháng (100), tức 120."
    )
    assert (
        "(1.010)" in messages["exceeds_population"] and "(1.000)" in messages["exceeds_population"]
    )
    assert messages["late_submission"].startswith("Báo cáo tháng 6/2024 nộp muộn 5 ngày")
    assert messages["targets_inconsistent"] == (
        "Tổng chỉ tiêu CT3 giao cho 2 đơn vị kỳ 1/2024–12/2024 (900) "
        "khác chỉ tiêu toàn tỉnh (1.000)."
    )
    assert (
        messages["missing_submission"]
        == "Chưa nhận được báo cáo tháng 3/2024 (hạn nộp hết ngày 10/4/2024)."
    )


def test_flags_do_not_block_and_reach_the_report(province_run):
    ws, found = province_run
    report = (ws.output / "2024-06" / "bao_cao_2024-06.md").read_text(encoding="utf-8")
    errors = [row for row in found if row[1] == "error"]
    assert errors and all(row[7] in report for row in errors)


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_reference_error_blocks_publication(province_run, tmp_path):
    """A population of 0 (dbt's own tests let it through): the GX reference check on
    marts/dim_unit fails with ERROR severity, a separate blocking step, so Dagster skips
    warehouse/published and monthly_report: exit 1, nothing published, no report."""
    source, _ = province_run
    ws = Workspace(tmp_path)
    for folder in ("inbox", "reference", "warehouse", "output"):
        shutil.copytree(source.root / folder, ws.root / folder)
    population = ws.reference / "population.csv"
    population.write_text(
        population.read_text(encoding="utf-8").replace("EP,2024,1000", "EP,2024,0")
    )
    published = _sha256(ws.warehouse)
    parquet = {p.name: _sha256(p) for p in (ws.output / "parquet").glob("*.parquet")}

    result = ws.run_cli("run", "--as-of", "2024-05")

    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert "marts/dim_unit:gx_reference_data" in result.stdout
    assert "kho đã công bố giữ nguyên" in result.stderr
    assert _sha256(ws.warehouse) == published
    assert {p.name: _sha256(p) for p in (ws.output / "parquet").glob("*.parquet")} == parquet
    assert not (ws.output / "2024-05").exists()

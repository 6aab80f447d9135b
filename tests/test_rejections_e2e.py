"""Reasons decided in the warehouse (they need the reference data), end to end:
every bad row is rejected with its code, the rest of the file and of the inbox loads."""

import datetime as dt
import shutil

import duckdb
import pytest
from conftest import SAMPLE, Workspace
from warehouse_helpers import file_ingestion, run_province

from ingestion.template import write_report_csv, write_report_workbook

pytestmark = pytest.mark.slow


def build_inbox(ws: Workspace) -> None:
    shutil.copytree(SAMPLE / "reference", ws.reference, dirs_exist_ok=True)
    for name, unit_code, unit_name, values in (
        ("good", "HDP", "Đông Phú", {"articles_posted": 4, "dossiers_supported": 10}),
        ("negative", "HNS", "Nam Sơn", {"articles_posted": "-3", "dossiers_supported": 8}),
        ("no_unit", "", "?", {"articles_posted": 2}),
    ):
        write_report_workbook(
            ws.inbox / f"{name}.xlsx",
            unit_code=unit_code,
            unit_name=unit_name,
            period="2024-01",
            values=values,
            report_date=dt.date(2024, 2, 5),
        )
    write_report_csv(
        ws.inbox / "unknown_unit.csv",
        [("XYZ", "2024-01", "articles_posted", 1), ("XYZ", "2024-01", "payment_accounts", 2)],
    )
    # HTH merged away at the end of 2023 (sample/reference/units.csv).
    write_report_csv(ws.inbox / "merged_unit.csv", [("HTH", "2024-01", "articles_posted", 1)])
    write_report_csv(ws.inbox / "future.csv", [("TXAL", "2042-01", "articles_posted", 1)])
    write_report_csv(
        ws.inbox / "twice.csv",
        [
            ("TPBA", "2024-01", "articles_posted", 5),
            ("TPBA", "2024-01", "articles_posted", 6),
            ("TPBA", "2024-01", "dossiers_supported", 7),
            ("TPBA", "2024-01", "dossiers_supported", 7),
            ("TPBA", "2024-01", "so_bai_viet", 3),
        ],
    )


@pytest.fixture(scope="module")
def rejection_run(tmp_path_factory, dbt_manifest):
    ws = run_province(tmp_path_factory, "rejections", build_inbox, "2024-01")
    files = file_ingestion(ws.warehouse, "status, rows_read, rows_loaded, rows_rejected")
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        rejected = sorted(
            con.execute(
                "select file_name, row_number, measure_code, raw_value, reason_code, message "
                "from marts.fct_rejected_rows"
            ).fetchall()
        )
        monthly = {
            (u, m): v
            for u, m, v in con.execute(
                "select unit_code, measure_code, value from marts.fct_measure_monthly"
            ).fetchall()
        }
    return files, rejected, monthly


def test_file_statuses_and_counts(rejection_run):
    files, _, _ = rejection_run
    assert files == {
        "good.xlsx": ("loaded", 2, 2, 0),
        "negative.xlsx": ("partial", 2, 1, 1),
        "no_unit.xlsx": ("rejected", 1, 0, 1),
        "unknown_unit.csv": ("rejected", 2, 0, 2),
        "merged_unit.csv": ("rejected", 1, 0, 1),
        "future.csv": ("rejected", 1, 0, 1),
        "twice.csv": ("partial", 5, 2, 3),
    }


def test_reason_codes_per_row(rejection_run):
    _, rejected, _ = rejection_run
    codes = [(r[0], r[1], r[2], r[4]) for r in rejected]
    assert codes == [
        ("future.csv", 2, "articles_posted", "period_future"),
        ("merged_unit.csv", 2, "articles_posted", "unit_inactive"),
        ("negative.xlsx", codes[2][1], "articles_posted", "value_negative"),
        ("no_unit.xlsx", codes[3][1], "articles_posted", "unit_missing"),
        ("twice.csv", 2, "articles_posted", "measure_conflict"),
        ("twice.csv", 3, "articles_posted", "measure_conflict"),
        ("twice.csv", 6, "so_bai_viet", "measure_unknown"),
        ("unknown_unit.csv", 2, "articles_posted", "unit_unknown"),
        ("unknown_unit.csv", 3, "payment_accounts", "unit_unknown"),
    ]
    negative = next(r for r in rejected if r[0] == "negative.xlsx")
    assert negative[3] == "-3"
    assert negative[5].startswith("Ô BaoCao!") and "Giá trị âm" in negative[5]
    assert next(r for r in rejected if r[0] == "future.csv")[5].startswith("Dòng 2: ")


def test_the_rest_still_loads(rejection_run):
    _, _, monthly = rejection_run
    assert monthly[("HDP", "articles_posted")] == 4
    assert monthly[("HNS", "dossiers_supported")] == 8
    assert ("HNS", "articles_posted") not in monthly
    # The same value twice loads once; two different values mean "not reported".
    assert monthly[("TPBA", "dossiers_supported")] == 7
    assert ("TPBA", "articles_posted") not in monthly
    assert not any(unit in ("XYZ", "HTH", "TXAL") for unit, _ in monthly)

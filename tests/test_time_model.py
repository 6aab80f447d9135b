"""The time model (CONTRACT §9), end to end with the real CLI, dbt and DuckDB:
every month kept whichever month a run is for, period close with revisions and
publications (incremental = full and the 0.1.0 raw store: test_time_model_rebuild.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from conftest import SAMPLE, Workspace
from openpyxl import load_workbook
from test_reports_support import run_ok, sample_run_copy

pytestmark = pytest.mark.slow

ROOT = "TDBA"
TPBA_MARCH = SAMPLE / "inbox" / "2024-03" / "tp_binh_an_thang03.xlsx"


def query(ws: Workspace, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def province_ct3(ws: Workspace, as_of: str) -> float:
    (value,) = query(
        ws,
        "select numerator from marts.fct_indicator_progress where unit_code = ? "
        "and indicator_code = 'CT3' and as_of = ?::date",
        [ROOT, f"{as_of}-01"],
    )[0]
    return value


def resubmit_tpba_march(ws: Workspace, added: int = 100) -> Path:
    """TPBA sends March again, later, with 100 more dossiers supported (926 -> 1.026)."""
    target = ws.inbox / "2024-03" / "tp_binh_an_thang03_nop_lai.xlsx"
    book = load_workbook(TPBA_MARCH)
    sheet = book.active
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == "dossiers_supported":
                value_cell = sheet.cell(cell.row, cell.column + 3)
                value_cell.value = value_cell.value + added
            if cell.value == "Ngày báo cáo":
                sheet.cell(cell.row, cell.column + 1).value = dt.date(2024, 5, 6)
    book.save(target)
    return target


def test_the_close_revise_reclose_sequence(tmp_path_factory, dbt_manifest):
    """run April, run February, close March, TPBA resubmits March, run April, re-close
    March, run April (the issue's sequence). The first run is a copy of the session's."""
    ws = sample_run_copy(tmp_path_factory, "close_revise")
    assert province_ct3(ws, "2024-04") == 21458

    # An older month's run renders its report and keeps every later month.
    run_ok(ws, "2024-02")
    assert query(ws, "select max(as_of) from marts.fct_indicator_progress")[0][0] == dt.date(
        2024, 4, 1
    )
    assert (ws.output / "2024-02" / "bao_cao_2024-02.md").is_file()
    assert province_ct3(ws, "2024-04") == 21458

    closing = ws.run_cli("close", "--period", "2024-03", "--by", "Văn phòng Tỉnh Đoàn")
    assert closing.returncode == 0, closing.stderr
    assert (ws.reference / "closures.csv").read_text(encoding="utf-8").startswith(
        "period,closed_at,closed_by,note\n2024-03,"
    )

    resubmit_tpba_march(ws)
    run_ok(ws, "2024-04")
    # The official figures stay; the revision waits, shown in the marts and the report.
    assert province_ct3(ws, "2024-04") == 21458
    assert province_ct3(ws, "2024-03") == query(
        ws, "select numerator from marts.fct_indicator_progress where unit_code = ? and "
        "indicator_code = 'CT3' and as_of = date '2024-03-01'", [ROOT]
    )[0][0]
    pending = query(
        ws,
        "select unit_code, period, measure_code, official_value, revised_value, source_file "
        "from marts.fct_pending_revisions",
    )
    assert pending == [
        ("TPBA", dt.date(2024, 3, 1), "dossiers_supported", 926, 1026,
         "2024-03/tp_binh_an_thang03_nop_lai.xlsx")
    ]
    assert query(ws, "select period, pending_revisions from marts.fct_period_closures") == [
        (dt.date(2024, 3, 1), 1)
    ]
    assert query(
        ws,
        "select unit_code, period, observed_value from marts.fct_data_quality_issues "
        "where rule_id = 'revised_after_close'",
    ) == [("TPBA", dt.date(2024, 3, 1), 1.0)]
    assert query(
        ws,
        "select source_file from marts.fct_measure_monthly where unit_code = 'TPBA' "
        "and period = date '2024-03-01' and measure_code = 'dossiers_supported'",
    ) == [("2024-03/tp_binh_an_thang03.xlsx",)]
    report = (ws.output / "2024-04" / "bao_cao_2024-04.md").read_text(encoding="utf-8")
    assert "## Số liệu nộp lại sau khi chốt, chưa được cập nhật" in report
    assert "Điều chỉnh so với báo cáo đã phát hành" not in report  # figures unchanged

    # Closed again after the resubmission: the revision is applied.
    closing = ws.run_cli("close", "--period", "2024-03", "--by", "Văn phòng Tỉnh Đoàn")
    assert closing.returncode == 0, closing.stderr
    run_ok(ws, "2024-04")
    assert province_ct3(ws, "2024-04") == 21458 + 100
    assert query(ws, "select count(*) from marts.fct_pending_revisions") == [(0,)]
    report = (ws.output / "2024-04" / "bao_cao_2024-04.md").read_text(encoding="utf-8")
    assert "Số liệu nộp lại sau khi chốt" not in report
    assert "## Điều chỉnh so với báo cáo đã phát hành ngày" in report
    assert "- CT3 (01/2024–12/2024), kết quả: 21.458 → 21.558\n" in report
    assert "CT3 (01/2024–12/2024), số đạt được (tử số)" not in report  # said once

    # The publication chain of April: three renderings, the last one with new figures.
    april = query(
        ws,
        "select publication_id, figures_sha256, previous_publication_id "
        "from marts.fct_publications where as_of = date '2024-04-01' order by published_at",
    )
    # The warehouse holds the publications made before its build (the last is recorded
    # after it): two of April's three.
    assert len(april) == 2
    assert april[1][2] == april[0][0]
    assert april[0][1] == april[1][1]  # the same figures twice, the same sha

    # Reopening: the month follows the latest version again at the next run.
    reopening = ws.run_cli("close", "--period", "2024-03", "--reopen")
    assert reopening.returncode == 0, reopening.stderr
    assert (ws.reference / "closures.csv").read_text(encoding="utf-8").splitlines()[-1] == (
        "2024-03,,,"
    )


def test_close_refuses_a_month_without_data(sample_workspace):
    ws = sample_workspace
    before = sorted(p.name for p in ws.reference.iterdir())
    result = ws.run_cli("close", "--period", "2024-03", "--by", "A")  # nothing published yet
    assert result.returncode == 2
    assert "chưa có số liệu" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in ws.reference.iterdir()) == before

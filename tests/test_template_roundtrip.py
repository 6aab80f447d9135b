"""A unit's template there and back (CONTRACT §4, §11; issue #16 Tests).

One workspace: the shipped sample plus, for May 2024, the province's templates filled
in as units fill them — with openpyxl, and through LibreOffice Calc (`soffice
--headless --convert-to xlsx`, as a unit saving from LibreOffice does) — one of them
under another unit's name and month, and a unit's own workbook with a running total
typed into the month's column. Then one real `dean5299 run --as-of 2024-05`.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import Workspace
from test_outbox import _table, assert_form_protection
from test_reports_support import copy_sample, run_ok, sample_run_once

from forms.template import MEASURE_CODES, write_report_workbook
from outbox.templates import write_templates

pytestmark = pytest.mark.slow  # two pipeline runs (one shared with test_outbox)

SOFFICE = shutil.which("soffice")
MAY = dt.date(2024, 5, 1)
HDP_VALUES = {code: 10 + 7 * i for i, code in enumerate(MEASURE_CODES)}
TXAL_VALUES = {code: 100 + i for i, code in enumerate(MEASURE_CODES)}
# Where a unit put the template of another unit and month (content wins, CONTRACT §4).
ELSEWHERE = Path("TXAL") / "2024-06" / "bao_cao_TXAL_06-2024.xlsx"
HNS_RUNNING_TOTAL = 2164  # HNS's official dossiers_supported, January–April 2024


@dataclass
class May:
    ws: Workspace
    filled: Path  # HDP's template after openpyxl
    round_trip: Path | None  # the same after LibreOffice (None without soffice)
    soffice_skip: str


def _fill(template: Path, values: dict[str, int], report_date: dt.date, to: Path) -> Path:
    wb = openpyxl.load_workbook(template)
    ws = wb["BaoCao"]
    for code, row in _table(ws).items():
        ws.cell(row, 6).value = values[code]
    ws["C8"].value = report_date
    to.parent.mkdir(parents=True, exist_ok=True)
    wb.save(to)
    return to


def _soffice(source: Path, outdir: Path, profile: Path) -> tuple[Path | None, str]:
    """Open and save `source` in LibreOffice Calc; (the saved copy, or None and why)."""
    if not SOFFICE:
        return None, "soffice is missing: apt-get install libreoffice-calc-nogui (.ci/run does)"
    result = subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation={profile.as_uri()}",  # its own profile: no lock clash
            "--convert-to",
            "xlsx",
            "--outdir",
            str(outdir),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = outdir / source.name
    if not out.is_file():  # writer-only LibreOffice converts nothing and says little
        why = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        return None, f"soffice could not save xlsx (is Calc installed?): {why[0]}"
    return out, ""


@pytest.fixture(scope="module")
def may(tmp_path_factory) -> May:
    sample = sample_run_once(tmp_path_factory)
    root = tmp_path_factory.mktemp("template_roundtrip")
    templates = {p.stem: p for p in write_templates(sample.warehouse, root / "sent", "2024-05")}
    filled = _fill(templates["HDP"], HDP_VALUES, dt.date(2024, 6, 4), root / "filled" / "HDP.xlsx")
    round_trip, why = _soffice(filled, root / "libreoffice", root / "lo_profile")

    ws = copy_sample(Workspace(root / "ws"))
    arrived = ws.inbox / ELSEWHERE
    arrived.parent.mkdir(parents=True)
    shutil.copyfile(round_trip or filled, arrived)
    _fill(templates["TXAL"], TXAL_VALUES, dt.date(2024, 6, 5), ws.inbox / "2024-05" / "txal.xlsx")
    # A unit's own workbook: its running total typed into the month's column (§8
    # monthly_equals_cumulative), and a value the pipeline cannot read.
    values = {code: 5 for code in MEASURE_CODES}
    values["dossiers_supported"] = HNS_RUNNING_TOTAL
    values["articles_posted"] = "khoảng 5"
    write_report_workbook(
        ws.inbox / "2024-05" / "nam_son_thang05.xlsx",
        unit_code="HNS",
        unit_name="Huyện Đoàn Nam Sơn",
        period=MAY,
        values=values,
        cumulative={"dossiers_supported": HNS_RUNNING_TOTAL},
        report_date=dt.date(2024, 6, 6),
    )
    run_ok(ws, "2024-05")
    return May(ws, filled, round_trip, why)


def _protected_and_validated(path: Path) -> None:
    ws = openpyxl.load_workbook(path)["BaoCao"]
    rows = _table(ws)
    assert list(rows) == list(MEASURE_CODES)
    assert_form_protection(ws, rows)
    assert {code: ws.cell(r, 6).value for code, r in rows.items()} == HDP_VALUES
    assert ws.cell(rows["dossiers_supported"], 7).value == f"=3107+F{rows['dossiers_supported']}"


def test_openpyxl_filling_keeps_protection_and_validation(may) -> None:
    _protected_and_validated(may.filled)


def test_libreoffice_round_trip_keeps_protection_validation_and_computes_lũy_kế(may) -> None:
    if may.round_trip is None:
        pytest.skip(may.soffice_skip)
    _protected_and_validated(may.round_trip)
    computed = openpyxl.load_workbook(may.round_trip, data_only=True)["BaoCao"]
    row = _table(computed)["dossiers_supported"]
    assert computed.cell(row, 7).value == 3107 + HDP_VALUES["dossiers_supported"]


def _warehouse(may: May, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(may.ws.warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_filled_templates_load_every_row_under_the_unit_and_month_written_in_them(may) -> None:
    files = dict(
        (name, (status, read, loaded, rejected))
        for name, status, read, loaded, rejected in _warehouse(
            may,
            "select file_name, status, rows_read, rows_loaded, rows_rejected "
            "from marts.fct_file_ingestion where file_name in (?, ?)",
            ELSEWHERE.as_posix(),
            "2024-05/txal.xlsx",
        )
    )
    assert files == {
        ELSEWHERE.as_posix(): ("loaded", 12, 12, 0),
        "2024-05/txal.xlsx": ("loaded", 12, 12, 0),
    }
    monthly = _warehouse(
        may,
        "select unit_code, period, measure_code, value from marts.fct_measure_monthly "
        "where unit_code in ('HDP', 'TXAL') and period >= '2024-05-01' and value is not null",
    )
    # The file in TXAL/2024-06/ is HDP's May: it loads there, and TXAL's June stays empty.
    assert {(u, p) for u, p, _, _ in monthly} == {("HDP", MAY), ("TXAL", MAY)}
    assert {m: int(v) for u, _, m, v in monthly if u == "HDP"} == HDP_VALUES
    assert {m: int(v) for u, _, m, v in monthly if u == "TXAL"} == TXAL_VALUES
    # The template's Lũy kế (official earlier months + the month's cell) agrees with the
    # warehouse: no cumulative_mismatch for the round-tripped file.
    assert not _warehouse(
        may,
        "select * from marts.fct_data_quality_issues "
        "where unit_code = 'HDP' and period = ? and rule_id = 'cumulative_mismatch'",
        MAY,
    )


def _receipt_text(path: Path) -> str:
    ws = openpyxl.load_workbook(path).active
    return "\n".join(
        " | ".join("" if v is None else str(v) for v in row)
        for row in ws.iter_rows(values_only=True)
    )


def test_receipt_says_what_the_unit_probably_did_and_what_was_rejected(may) -> None:
    folder = may.ws.output / "phan_hoi" / "2024-05"
    hns = _receipt_text(folder / "HNS.xlsx")
    (line,) = [
        row
        for row in hns.splitlines()
        if "có thể đã ghi số lũy kế vào cột kết quả trong tháng" in row
    ]
    severity, name, measure, message, check = line.split(" | ")[:5]
    assert (severity, measure) == ("Cảnh báo", "dossiers_supported")
    assert message.endswith("có thể đã ghi số lũy kế vào cột kết quả trong tháng.")
    assert name and check  # the catalogue's name and what to check (or the fallback advice)
    assert "2024-05/nam_son_thang05.xlsx | " in hns
    (rejected,) = [row for row in hns.splitlines() if "khoảng 5" in row]
    assert rejected.split(" | ")[2:4] == ["articles_posted", "khoảng 5"]
    assert "Ô BaoCao!F" in rejected and "Giá trị không phải là số." in rejected
    html = (folder / "HNS.html").read_text(encoding="utf-8")
    assert "có thể đã ghi số lũy kế vào cột kết quả trong tháng" in html
    # A unit that sent nothing for May still has its receipt, and it says so.
    hlt = _receipt_text(folder / "HLT.xlsx")
    assert "Chưa nhận được báo cáo nào của đơn vị cho tháng này." in hlt
    assert "05/2024 | Chưa nộp" in hlt and "02/2024 | Chưa nộp" in hlt

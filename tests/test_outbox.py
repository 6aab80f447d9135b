"""The units' side (CONTRACT §11): templates, receipts, the send list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from test_reports_support import chromium_page, sample_run_once

from forms.template import FORM_ERROR, FORM_PROMPT, MEASURE_CODES
from ingestion.inbox import ingest_inbox
from ingestion.raw_store import read_raw_store
from outbox.templates import write_templates

pytestmark = pytest.mark.slow  # every test reads the session's sample run


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return sample_run_once(tmp_path_factory)


@pytest.fixture(scope="module")
def templates(sample, tmp_path_factory) -> list[Path]:
    return write_templates(sample.warehouse, tmp_path_factory.mktemp("outbox"), "2024-05")


def _table(ws) -> dict[str, int]:
    """measure_code -> row of the table."""
    header = next(r for r in range(1, 30) if ws.cell(r, 3).value == "Mã chỉ số")
    rows = {}
    for r in range(header + 1, header + 20):
        if not ws.cell(r, 3).value:
            break
        rows[ws.cell(r, 3).value] = r
    return rows


def assert_form_protection(ws, rows: dict[str, int]) -> None:
    """Only the value cells (and the report date) are unlocked, with their validation;
    the sheet is protected and set for A4 landscape (also after filling or LibreOffice:
    tests/test_template_roundtrip.py)."""
    assert ws.protection.sheet
    unlocked = {c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked}
    assert unlocked == {f"F{r}" for r in rows.values()} | {"C8"}
    (counts,) = [v for v in ws.data_validations.dataValidation if v.type == "whole"]
    assert (counts.operator, counts.formula1, counts.prompt, counts.error) == (
        "greaterThanOrEqual",
        "0",
        FORM_PROMPT,
        FORM_ERROR,
    )
    assert str(counts.sqref) == f"F{min(rows.values())}:F{max(rows.values())}"
    assert [v.type for v in ws.data_validations.dataValidation if v.sqref == "C8"] == ["date"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_area


def test_one_template_per_reporting_unit_active_in_the_month(templates) -> None:
    # The sample's 11 units less HTH (active to 2023-12).
    assert sorted(p.stem for p in templates) == sorted(
        ["TPBA", "TXAL", "HDP", "HTP", "HNS", "HBH", "HPT", "HLT", "DKCQ", "DKDN"]
    )
    assert {
        p.parent.as_posix().split("/")[-2:] == ["mau_bao_cao", "2024-05"] for p in templates
    } == {True}


def test_template_header_cumulative_protection_and_validation(sample, templates) -> None:
    import duckdb

    ws = openpyxl.load_workbook(next(p for p in templates if p.stem == "HDP"))["BaoCao"]
    block = {ws.cell(r, 2).value: ws.cell(r, 3).value for r in range(5, 9)}
    assert block["Mã đơn vị"] == "HDP"
    assert block["Tên đơn vị"] == "Huyện Đoàn Đông Phú"
    assert block["Kỳ báo cáo"] == "05/2024"
    rows = _table(ws)
    assert list(rows) == list(MEASURE_CODES)
    with duckdb.connect(str(sample.warehouse), read_only=True) as con:
        official = dict(
            con.execute(
                "select measure_code, sum(value) from marts.fct_measure_monthly "
                "where unit_code = 'HDP' and period between '2024-01-01' and '2024-04-01' "
                "group by 1"
            ).fetchall()
        )
    assert ws.cell(rows["dossiers_supported"], 7).value == (
        f"={int(official['dossiers_supported'])}+F{rows['dossiers_supported']}"
    )
    for stock in ("accounts_total", "accounts_transacting", "vneid_pending"):
        assert ws.cell(rows[stock], 7).value is None
    assert ws.cell(rows["payment_accounts"], 5).value == "Công dân"
    assert_form_protection(ws, rows)


def test_a_filled_template_loads_every_row(templates, tmp_path) -> None:
    path = next(p for p in templates if p.stem == "TXAL")
    wb = openpyxl.load_workbook(path)
    ws = wb["BaoCao"]
    rows = _table(ws)
    for i, code in enumerate(MEASURE_CODES):
        ws.cell(rows[code], 6).value = 10 * (i + 1)
    ws["C8"].value = dt.date(2024, 6, 3)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    wb.save(inbox / "txal_thang05.xlsx")
    summary = ingest_inbox(inbox, tmp_path / "raw")
    assert (summary.files_parsed, summary.rows_read, summary.rows_with_errors) == (1, 12, 0)
    _, raw = read_raw_store(tmp_path / "raw")
    assert set(raw["unit_code"]) == {"TXAL"}
    assert set(raw["period"]) == {dt.date(2024, 5, 1)}
    assert set(raw["report_date"]) == {dt.date(2024, 6, 3)}
    assert dict(zip(raw["measure_code"], raw["value"], strict=True)) == {
        code: 10 * (i + 1) for i, code in enumerate(MEASURE_CODES)
    }


def test_templates_command(sample, tmp_path) -> None:
    out = tmp_path / "out"
    result = sample.run_cli("templates", "--period", "2024-05", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert len(list((out / "mau_bao_cao" / "2024-05").glob("*.xlsx"))) == 10
    bad = sample.run_cli("templates", "--period", "2024-5")
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr


def _text(path: Path) -> str:
    ws = openpyxl.load_workbook(path).active
    return "\n".join(
        " | ".join("" if v is None else str(v) for v in row)
        for row in ws.iter_rows(values_only=True)
    )


def test_receipts_files_rejections_status_progress_and_send_list(sample, tmp_path) -> None:
    import csv

    import duckdb

    from outbox.receipts import write_receipts

    march = write_receipts(sample.warehouse, tmp_path, "2024-03")
    assert len(march) == 10
    txal = _text(tmp_path / "phan_hoi" / "2024-03" / "TXAL.xlsx")
    assert "tx_an_lac_thang03.xlsx" in txal and "Nạp một phần" in txal
    assert "Ô BaoCao!F16: Giá trị không phải là số." in txal and "khoảng 5" in txal
    assert "03/2024 | Đúng hạn" in txal or "03/2024 | Nộp muộn" in txal
    assert "CT3. " in txal and "/10" in txal  # progress with its rank among the units
    with open(tmp_path / "phan_hoi" / "2024-03" / "danh_sach_gui.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["unit_code", "unit_name", "contact_email", "contact_zalo", "file"]
    assert {r["file"] for r in rows} == {p.name for p in march}

    with duckdb.connect(str(sample.warehouse), read_only=True) as con:
        missing = con.execute(
            "select unit_code from marts.fct_submission_status "
            "where period = '2024-02-01' and status = 'missing'"
        ).fetchall()
    assert missing, "the sample has a unit missing in February 2024"
    write_receipts(sample.warehouse, tmp_path, "2024-02")
    text = _text(tmp_path / "phan_hoi" / "2024-02" / f"{missing[0][0]}.xlsx")
    assert "Chưa nhận được báo cáo nào của đơn vị cho tháng này." in text
    assert "02/2024 | Chưa nộp" in text


def _april(sample, unit: str) -> Path:
    """A receipt the sample's run itself wrote (the monthly_report asset)."""
    return sample.output / "phan_hoi" / "2024-04" / f"{unit}.xlsx"


def _rows(path: Path) -> list[list[str]]:
    ws = openpyxl.load_workbook(path).active
    return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]


def test_april_receipts_issue_with_what_to_check_late_months_rank_and_progress(sample) -> None:
    import duckdb

    from outbox.receipts import WHAT_TO_CHECK

    with duckdb.connect(str(sample.warehouse), read_only=True) as con:
        catalogue = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = 'dim_data_quality_rule'"
        ).fetchone()[0]
        name, check = (
            con.execute(
                "select name_vi, check_vi from marts.dim_data_quality_rule "
                "where rule_id = 'part_exceeds_whole'"
            ).fetchone()
            if catalogue
            else ("part_exceeds_whole", WHAT_TO_CHECK["error"])
        )
        rank, ranked = con.execute(
            "select rank, units_ranked from marts.fct_unit_rankings where unit_code = 'HBH' "
            "and as_of = '2024-04-01' and indicator_code = 'CT3' "
            "and window_start = '2024-01-01'"
        ).fetchone()
    hbh = _rows(_april(sample, "HBH"))
    (issue,) = [r for r in hbh if r[2] == "dossiers_online"]
    assert issue[:5] == [
        "Lỗi",
        name,
        "dossiers_online",
        "Số hồ sơ TTHC do ĐVTN thực hiện trực tuyến tháng 4/2024 (45) lớn hơn Tổng số hồ sơ "
        "TTHC do ĐVTN thực hiện (44).",
        check,
    ]
    (ct3,) = [r for r in hbh if r[0].startswith("CT3. ") and r[1] == "01/2024–12/2024"]
    assert ct3[2:6] == ["1.867", "5.500", "34%", f"{rank}/{ranked}"]
    files = [r[:5] for r in hbh]
    assert ["Tệp", "Thời điểm nhận", "Trạng thái", "Số dòng đọc / nạp / loại", "Bản được dùng"] in (
        files
    )
    assert [
        "2024-04/bac_hoa_thang04.xlsx",
        "05/05/2024 08:45",
        "Đã nạp",
        "12 / 12 / 0",
        "Bản chính thức",
    ] in files
    assert ["Không có dòng nào bị loại.", ""] in [r[:2] for r in hbh]

    dkdn = _rows(_april(sample, "DKDN"))
    late = [r[:2] for r in dkdn if r[1] in ("Nộp muộn", "Đúng hạn", "Chưa nộp")]
    assert late == [
        ["01/2024", "Nộp muộn"],
        ["02/2024", "Nộp muộn"],
        ["03/2024", "Nộp muộn"],
        ["04/2024", "Đúng hạn"],
    ]
    (issue,) = [r for r in _rows(_april(sample, "HPT")) if r[2] == "payment_accounts"]
    assert issue[0] == "Cảnh báo" and "khác tổng các tháng" in issue[3] and issue[4]


def test_every_receipt_has_an_html_twin_with_the_same_content(sample) -> None:
    import html

    folder = sample.output / "phan_hoi" / "2024-04"
    receipts = sorted(folder.glob("*.xlsx"))
    assert len(receipts) == 10
    for path in receipts:
        page = path.with_suffix(".html").read_text(encoding="utf-8")
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
        assert "<script" not in page
        text = html.unescape(page)
        for row in _rows(path):
            for value in row:
                assert value in text, (path.name, value)


def test_html_receipt_reads_on_a_360_px_phone_without_sideways_scrolling(sample) -> None:
    folder = sample.output / "phan_hoi" / "2024-04"
    with chromium_page(viewport=(360, 740)) as page:
        for unit in ("HBH", "DKDN", "TXAL"):
            page.goto((folder / f"{unit}.html").as_uri())
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, (unit, width)
            # Each table row is a card: its cells are stacked, labelled, full width.
            label = page.evaluate(
                "getComputedStyle(document.querySelector('td'), '::before').content"
            )
            assert label.strip('"') in ("Tệp", "Mức độ", "Tháng", "Chỉ tiêu")
        page.set_viewport_size({"width": 1200, "height": 900})
        assert page.evaluate("getComputedStyle(document.querySelector('thead')).display") != (
            "none"
        )


def test_the_units_side_assets_write_what_the_commands_write(sample, tmp_path) -> None:
    """The UI's units' side (orchestration/units_side_assets.py): the unit_templates asset
    writes the same bytes as `write_templates`, unit_receipts a receipt per reporting unit
    and the send list; a month without figures gets no receipts, and one line saying so."""
    import dagster as dg

    from orchestration.resources import PipelineConfig
    from orchestration.units_side_assets import unit_receipts, unit_templates

    out = tmp_path / "out"
    resources = {
        "pipeline": PipelineConfig(warehouse=str(sample.warehouse), output=str(out))
    }
    result = dg.materialize([unit_templates, unit_receipts], partition_key="2024-04",
                            resources=resources)  # fmt: skip
    assert result.success
    direct = write_templates(sample.warehouse, tmp_path / "direct", "2024-04")
    assert len(direct) == 10
    for path in direct:
        assert (out / "mau_bao_cao" / "2024-04" / path.name).read_bytes() == path.read_bytes()
    receipts = sorted((out / "phan_hoi" / "2024-04").glob("*.xlsx"))
    assert [p.stem for p in receipts] == sorted(p.stem for p in direct)
    assert (out / "phan_hoi" / "2024-04" / "danh_sach_gui.csv").is_file()
    (materialization,) = result.asset_materializations_for_node("unit_receipts")
    assert materialization.metadata["receipts"].value == 10

    early = dg.materialize([unit_receipts], partition_key="2022-01", resources=resources,
                           raise_on_error=False)  # fmt: skip
    assert not early.success
    (failure,) = early.get_step_failure_events()
    message = failure.event_specific_data.error.message
    assert "chưa có số liệu cho tháng 2022-01: không lập phiếu phản hồi" in message
    assert not (out / "phan_hoi" / "2022-01").exists()

"""Workbook layout quirks, end to end through ingest_inbox into the raw store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from workbook_factory import ingest, report_at, rows_of

APRIL = dt.date(2024, 4, 1)
DEFAULT_VALUES = [
    ("accounts_total", "45600", 45600, None),
    ("accounts_transacting", "3857", 3857, None),
    ("dossiers_total", "1.669", 1669, None),
    ("dossiers_online", "1.458,0", 1458, None),
]


def _one_file(tmp_path: Path, **changes: object) -> tuple[dict, list[dict]]:
    report_at(tmp_path / "inbox", **changes)
    _, files, rows = ingest(tmp_path / "inbox", tmp_path / "raw")
    (file,) = files
    return file, rows


def _values(rows: list[dict]) -> list[tuple]:
    return rows_of(rows, "measure_code", "raw_value", "value", "value_error")


def test_default_template_lands_every_column(tmp_path: Path) -> None:
    file, rows = _one_file(tmp_path)
    assert (file["parse_status"], file["error_code"], file["sheet_name"], file["encoding"]) == (
        "parsed", None, "BaoCao", "unicode",
    )  # fmt: skip
    assert rows[0] == {
        "batch_id": file["batch_id"],
        "sha256": file["sha256"],
        "file_name": "report.xlsx",
        "sheet_name": "BaoCao",
        "row_number": 7,  # 2 title rows, 2 block rows, 1 gap row, header at row 6
        "location": "BaoCao!E7",
        "unit_code": "TP_BA",
        "period": APRIL,
        "period_raw": "04/2024",
        "period_error": None,
        "report_date": None,
        "measure_code": "accounts_total",
        "raw_value": "45600",
        "value": 45600,
        "value_error": None,
        "raw_cumulative": "45600",
        "cumulative": 45600,
        "file_mtime": file["file_mtime"],
    }
    assert _values(rows) == DEFAULT_VALUES


def test_location_is_the_cell_openpyxl_wrote(tmp_path: Path) -> None:
    # Leading empty rows and columns must not shift the address (calamine trims them).
    path, layout = report_at(tmp_path / "inbox", first_col=4, title_rows=0, gap_rows=3)
    _, _, rows = ingest(tmp_path / "inbox", tmp_path / "raw")
    sheet = load_workbook(path)["BaoCao"]
    assert [r["location"] for r in rows] == [f"BaoCao!{c}" for c in layout.value_cells]
    assert [sheet[c].value for c in layout.value_cells] == [45600, 3857, "1.669", "1.458,0"]
    assert [r["row_number"] for r in rows] == [sheet[c].row for c in layout.value_cells]


def test_unaccented_labels(tmp_path: Path) -> None:
    file, rows = _one_file(tmp_path, labels="unaccented")
    assert (file["parse_status"], file["encoding"]) == ("parsed", "unicode")
    assert _values(rows) == DEFAULT_VALUES


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_legacy_font_labels(tmp_path: Path, encoding: str) -> None:
    file, rows = _one_file(tmp_path, labels=encoding, report_date="03/05/2024")
    assert (file["parse_status"], file["encoding"]) == ("parsed", encoding)
    assert _values(rows) == DEFAULT_VALUES
    assert {(r["unit_code"], r["period"], r["report_date"]) for r in rows} == {
        ("TP_BA", APRIL, dt.date(2024, 5, 3))
    }
    assert [r["cumulative"] for r in rows] == [45600, 3857, None, None]


def test_upper_case_labels_with_colons(tmp_path: Path) -> None:
    overrides = {"unit": "MÃ ĐƠN VỊ:", "period": "Kỳ  báo\ncáo :", "value": "KẾT QUẢ TRONG THÁNG"}
    file, rows = _one_file(tmp_path, label_overrides=overrides)
    assert file["parse_status"] == "parsed"
    assert _values(rows) == DEFAULT_VALUES


def test_value_may_sit_several_cells_right_of_its_label(tmp_path: Path) -> None:
    _, rows = _one_file(tmp_path, value_gap=2, unit=" tp_ba ")
    assert {(r["unit_code"], r["period"]) for r in rows} == {("TP_BA", APRIL)}


@pytest.mark.parametrize(
    "columns",
    [
        ("value", "measure"),
        ("note", "cumulative", "value", "uom", "content", "measure", "stt"),
        ("measure", "value"),
    ],
)
def test_any_column_order(tmp_path: Path, columns: tuple[str, ...]) -> None:
    path, layout = report_at(tmp_path / "inbox", columns=columns)
    _, _, rows = ingest(tmp_path / "inbox", tmp_path / "raw")
    assert _values(rows) == DEFAULT_VALUES
    assert [r["location"] for r in rows] == [f"BaoCao!{c}" for c in layout.value_cells]
    expected_cumulative = [45600, 3857, None, None] if "cumulative" in columns else [None] * 4
    assert [r["cumulative"] for r in rows] == expected_cumulative


def test_report_sheet_found_by_name_after_other_sheets(tmp_path: Path) -> None:
    file, rows = _one_file(tmp_path, sheets_before=("Hướng dẫn", "Danh mục"), sheet_name="Báo cáo")
    assert (file["parse_status"], file["sheet_name"]) == ("parsed", "Báo cáo")
    assert rows[0]["location"] == "Báo cáo!E7"


def test_without_a_baocao_sheet_the_first_sheet_is_read(tmp_path: Path) -> None:
    file, _ = _one_file(tmp_path, sheets_before=("Hướng dẫn",), sheet_name="Thang4")
    assert (file["parse_status"], file["error_code"], file["sheet_name"]) == (
        "rejected", "not_template", "Hướng dẫn",
    )  # fmt: skip


def test_single_sheet_with_another_name(tmp_path: Path) -> None:
    file, rows = _one_file(tmp_path, sheet_name="Sheet1")
    assert (file["parse_status"], file["sheet_name"], len(rows)) == ("parsed", "Sheet1", 4)


def test_rows_stop_at_the_first_empty_measure_code(tmp_path: Path) -> None:
    _, rows = _one_file(
        tmp_path,
        rows=[("accounts_total", 1), ("dossiers_total", 2), (None, 3), ("Người lập biểu", None)],
    )
    assert _values(rows) == [
        ("accounts_total", "1", 1, None),
        ("dossiers_total", "2", 2, None),
    ]


def test_measure_codes_are_trimmed_and_lower_cased_not_validated(tmp_path: Path) -> None:
    _, rows = _one_file(tmp_path, rows=[("  Accounts_TOTAL ", 1), ("not_a_measure", 2)])
    assert [r["measure_code"] for r in rows] == ["accounts_total", "not_a_measure"]


def test_empty_value_cell_is_not_reported_not_an_error(tmp_path: Path) -> None:
    _, rows = _one_file(tmp_path, rows=[("accounts_total", None), ("dossiers_total", "  ")])
    assert _values(rows) == [
        ("accounts_total", None, None, None),
        ("dossiers_total", None, None, None),
    ]


def test_value_forms_and_errors(tmp_path: Path) -> None:
    _, rows = _one_file(
        tmp_path,
        rows=[
            ("a", 45600.0), ("b", "45.600"), ("c", "1,458"), ("d", "12,5"), ("e", 12.5),
            ("f", -3), ("g", "-3"), ("h", "mười"), ("i", "1.458,0"), ("j", 0),
        ],
    )  # fmt: skip
    assert _values(rows) == [
        ("a", "45600", 45600, None),
        ("b", "45.600", 45600, None),
        ("c", "1,458", 1458, None),
        ("d", "12,5", None, "value_not_whole"),
        ("e", "12.5", None, "value_not_whole"),
        ("f", "-3", None, "value_negative"),
        ("g", "-3", None, "value_negative"),
        ("h", "mười", None, "value_not_number"),
        ("i", "1.458,0", 1458, None),
        ("j", "0", 0, None),
    ]


def test_invalid_cumulative_is_kept_raw_without_error(tmp_path: Path) -> None:
    _, rows = _one_file(tmp_path, rows=[("a", 1, "nhiều"), ("b", 2, "1.000"), ("c", 3, -1)])
    assert rows_of(rows, "raw_cumulative", "cumulative", "value_error") == [
        ("nhiều", None, None),
        ("1.000", 1000, None),
        ("-1", None, None),
    ]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("04/2024", ("04/2024", APRIL, None)),
        ("4/2024", ("4/2024", APRIL, None)),
        ("2024-04", ("2024-04", APRIL, None)),
        (dt.date(2024, 4, 1), ("2024-04-01", APRIL, None)),
        (dt.datetime(2024, 4, 20, 8, 0), ("2024-04-20T08:00:00", APRIL, None)),
        (45383, ("45383", APRIL, None)),
        ("tháng 13/2024", ("tháng 13/2024", None, "period_invalid")),
        ("", (None, None, "period_missing")),
        (None, (None, None, "period_missing")),
    ],
)
def test_period_forms(tmp_path: Path, period: object, expected: tuple) -> None:
    _, rows = _one_file(tmp_path, period=period)
    assert set(rows_of(rows, "period_raw", "period", "period_error")) == {expected}
    assert len(rows) == 4  # a bad period is still read; dbt rejects every row


def test_missing_period_label_means_period_missing(tmp_path: Path) -> None:
    file, rows = _one_file(tmp_path, omit_labels=frozenset({"period"}))
    assert file["parse_status"] == "parsed"
    assert set(rows_of(rows, "period_raw", "period", "period_error")) == {
        (None, None, "period_missing")
    }


def test_report_date_forms(tmp_path: Path) -> None:
    for i, report_date in enumerate([dt.date(2024, 5, 3), "03/05/2024", "2024-05-03", 45415]):
        report_at(tmp_path / "inbox", name=f"r{i}.xlsx", report_date=report_date, unit=f"U{i}")
    report_at(tmp_path / "inbox", name="bad.xlsx", report_date="hôm qua", unit="U9")
    _, _, rows = ingest(tmp_path / "inbox", tmp_path / "raw")
    by_file = {r["file_name"]: r["report_date"] for r in rows}
    assert by_file == {
        "r0.xlsx": dt.date(2024, 5, 3),
        "r1.xlsx": dt.date(2024, 5, 3),
        "r2.xlsx": dt.date(2024, 5, 3),
        "r3.xlsx": dt.date(2024, 5, 3),
        "bad.xlsx": None,
    }


def test_empty_unit_value_gives_rows_without_unit(tmp_path: Path) -> None:
    file, rows = _one_file(tmp_path, unit=None)
    assert file["parse_status"] == "parsed"
    assert {r["unit_code"] for r in rows} == {None}


def test_unit_label_followed_directly_by_another_label_has_no_value(tmp_path: Path) -> None:
    # `Mã đơn vị | (empty) | Kỳ báo cáo | 04/2024` on one row, as some units lay it out.
    path, _ = report_at(tmp_path / "inbox", unit=None, title_rows=0)
    wb = load_workbook(path)
    ws = wb["BaoCao"]
    ws["C1"], ws["D1"] = "Kỳ báo cáo", "05/2024"
    ws["A2"], ws["B2"] = None, None  # the period row moved up beside the unit label
    wb.save(path)
    _, _, rows = ingest(tmp_path / "inbox", tmp_path / "raw")
    assert {(r["unit_code"], r["period"]) for r in rows} == {(None, dt.date(2024, 5, 1))}


def test_numeric_unit_code_is_read_as_text(tmp_path: Path) -> None:
    _, rows = _one_file(tmp_path, unit=101)
    assert {r["unit_code"] for r in rows} == {"101"}


def test_header_without_rows_is_parsed_with_no_rows(tmp_path: Path) -> None:
    file, rows = _one_file(tmp_path, rows=[])
    assert (file["parse_status"], rows) == ("parsed", [])


@pytest.mark.parametrize(
    ("omit", "detail_mentions"),
    [("unit", "Mã đơn vị"), ("measure", "Mã chỉ số"), ("value", "Mã chỉ số")],
)
def test_missing_required_label_is_not_template(
    tmp_path: Path, omit: str, detail_mentions: str
) -> None:
    file, rows = _one_file(tmp_path, omit_labels=frozenset({omit}))
    assert (file["parse_status"], file["error_code"], rows) == ("rejected", "not_template", [])
    assert detail_mentions in file["error_detail"]


def test_unit_label_below_the_table_does_not_count(tmp_path: Path) -> None:
    path, layout = report_at(tmp_path / "inbox", omit_labels=frozenset({"unit"}))
    wb = load_workbook(path)
    wb["BaoCao"].cell(layout.header_row + 10, 1, "Mã đơn vị")
    wb["BaoCao"].cell(layout.header_row + 10, 2, "TP_BA")
    wb.save(path)
    _, files, _ = ingest(tmp_path / "inbox", tmp_path / "raw")
    assert files[0]["error_code"] == "not_template"

"""Long-form CSV submissions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from workbook_factory import ingest, rows_of, write_csv

APRIL, MAY = dt.date(2024, 4, 1), dt.date(2024, 5, 1)
COLUMNS = ("row_number", "location", "unit_code", "period", "measure_code", "raw_value",
           "value", "value_error")  # fmt: skip


def _ingest_csv(tmp_path: Path, lines: list[str], *, bom: bool = False) -> tuple[dict, list]:
    (tmp_path / "inbox").mkdir()
    write_csv(tmp_path / "inbox" / "data.csv", lines, bom=bom)
    _, files, rows = ingest(tmp_path / "inbox", tmp_path / "raw")
    (file,) = files
    return file, rows


@pytest.mark.parametrize("bom", [False, True])
def test_comma_csv_with_or_without_bom(tmp_path: Path, bom: bool) -> None:
    file, rows = _ingest_csv(
        tmp_path,
        [
            "unit_code,period,measure_code,value",
            "tp_ba,04/2024,accounts_total,45600",
            ' TP_BA ,2024-05,Dossiers_Total,"1,458"',
        ],
        bom=bom,
    )
    assert (file["parse_status"], file["file_format"], file["sheet_name"], file["encoding"]) == (
        "parsed", "csv", None, None,
    )  # fmt: skip
    assert rows_of(rows, *COLUMNS) == [
        (2, "line 2", "TP_BA", APRIL, "accounts_total", "45600", 45600, None),
        (3, "line 3", "TP_BA", MAY, "dossiers_total", "1,458", 1458, None),
    ]


def test_semicolon_csv_with_vietnamese_decimal_comma(tmp_path: Path) -> None:
    _, rows = _ingest_csv(
        tmp_path,
        [
            "unit_code;period;measure_code;value;report_date",
            "TP_BA;04/2024;dossiers_online;1.458,0;03/05/2024",
            "TP_BA;04/2024;articles_posted;12,5;2024-05-03",
            "TP_BA;04/2024;households_vneid;;",
        ],
    )
    assert rows_of(rows, "measure_code", "raw_value", "value", "value_error", "report_date") == [
        ("dossiers_online", "1.458,0", 1458, None, dt.date(2024, 5, 3)),
        ("articles_posted", "12,5", None, "value_not_whole", dt.date(2024, 5, 3)),
        ("households_vneid", None, None, None, None),
    ]


def test_each_line_has_its_own_unit_and_period(tmp_path: Path) -> None:
    _, rows = _ingest_csv(
        tmp_path,
        [
            "period,value,measure_code,unit_code,comment",  # any order, extra column
            "04/2024,1,accounts_total,A,x",
            "13/2024,2,accounts_total,B,",
            ",3,accounts_total,C",  # a short line: missing trailing fields are empty
            "05/2024,-4,accounts_total,,y,extra",  # a long line: extra fields ignored
        ],
    )
    assert rows_of(
        rows, "unit_code", "period_raw", "period", "period_error", "value", "value_error"
    ) == [  # fmt: skip
        ("A", "04/2024", APRIL, None, 1, None),
        ("B", "13/2024", None, "period_invalid", 2, None),
        ("C", None, None, "period_missing", 3, None),
        (None, "05/2024", MAY, None, None, "value_negative"),
    ]


def test_blank_lines_are_skipped_and_line_numbers_stay_exact(tmp_path: Path) -> None:
    # The file as written: its lines 3 and 5 hold the values.
    text = """\
unit_code,period,measure_code,value

A,04/2024,accounts_total,1
,,,
A,04/2024,"dossiers_total","2"
"""
    _, rows = _ingest_csv(tmp_path, text.splitlines())
    assert rows_of(rows, "row_number", "location", "measure_code") == [
        (3, "line 3", "accounts_total"),
        (5, "line 5", "dossiers_total"),
    ]


def test_text_stays_text(tmp_path: Path) -> None:
    # Nothing coerced: leading zeros, "NA", "null" are kept as written.
    _, rows = _ingest_csv(
        tmp_path,
        ["unit_code,period,measure_code,value", "007,04/2024,NA,null", "NA,04/2024,x,0045"],
    )
    assert rows_of(rows, "unit_code", "measure_code", "raw_value", "value", "value_error") == [
        ("007", "na", "null", None, "value_not_number"),
        ("NA", "x", "0045", 45, None),
    ]


def test_header_only_csv_is_parsed_with_no_rows(tmp_path: Path) -> None:
    file, rows = _ingest_csv(tmp_path, ["unit_code,period,measure_code,value"])
    assert (file["parse_status"], rows) == ("parsed", [])


@pytest.mark.parametrize(
    "header",
    ["unit_code,period,measure_code", "unit;period;measure;value", "a\tb\tc\td", "hello"],
)
def test_missing_required_columns_is_csv_bad_header(tmp_path: Path, header: str) -> None:
    file, rows = _ingest_csv(tmp_path, [header, "TP_BA,04/2024,accounts_total,1"])
    assert (file["parse_status"], file["error_code"], rows) == ("rejected", "csv_bad_header", [])


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf", b" ,,\r\n"])
def test_csv_without_cells_is_file_empty(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "data.csv").write_bytes(content)
    _, files, _ = ingest(tmp_path / "inbox", tmp_path / "raw")
    assert (files[0]["parse_status"], files[0]["error_code"]) == ("rejected", "file_empty")


def test_non_utf8_csv_is_file_unreadable(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    text = "unit_code,period,measure_code,value\nĐOÀN,04/2024,accounts_total,1\n"
    (tmp_path / "inbox" / "data.csv").write_bytes(text.encode("cp1258"))
    _, files, _ = ingest(tmp_path / "inbox", tmp_path / "raw")
    assert (files[0]["parse_status"], files[0]["error_code"]) == ("rejected", "file_unreadable")
    assert "UTF-8" in files[0]["error_detail"]

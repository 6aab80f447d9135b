"""Pure helpers: label matching (incl. legacy fonts), numbers, periods, dates."""

from __future__ import annotations

import datetime as dt

import pytest
from workbook_factory import LABEL_SETS

from ingestion.labels import decode_legacy, label_key, match_label, sheet_key
from ingestion.values import cell_text, parse_count, parse_date, parse_period

CANONICAL = {
    "unit": "Mã đơn vị",
    "period": "Kỳ báo cáo",
    "report_date": "Ngày báo cáo",
    "measure": "Mã chỉ số",
    "value": "Kết quả trong tháng",
    "cumulative": "Lũy kế",
}


@pytest.mark.parametrize(
    "text",
    ["Mã đơn vị", "MÃ ĐƠN VỊ", "  Mã   đơn\nvị : ", "Ma don vi", "MA DON VI", "Mã đơn vị (*)",
     # NFD (decomposed accents, as macOS and some keyboards produce)
     "Ma\u0303 đơn vi\u0323"],
)  # fmt: skip
def test_unit_label_spellings_match(text: str) -> None:
    assert match_label(text) == ("unit", "unicode")


def test_luy_ke_tone_mark_placements_both_match() -> None:
    assert match_label("Lũy kế") == match_label("Luỹ kế") == ("cumulative", "unicode")


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
@pytest.mark.parametrize("key", sorted(CANONICAL))
def test_legacy_font_labels_decode_to_the_canonical_text(encoding: str, key: str) -> None:
    legacy = LABEL_SETS[encoding][key]
    assert decode_legacy(legacy, encoding).casefold() == CANONICAL[key].casefold()
    assert match_label(legacy) == (key, encoding)


def test_vni_upper_case_label_matches() -> None:
    assert match_label("MAÕ ÑÔN VÒ") == ("unit", "vni")


@pytest.mark.parametrize("text", ["Mã đơn vị cấp trên", "Đơn vị", "unit_code", "", "45600"])
def test_other_texts_are_not_labels(text: str) -> None:
    assert match_label(text) is None


def test_keys() -> None:
    assert label_key("Kết quả trong tháng") == "ket qua trong thang"
    assert sheet_key("Báo cáo") == sheet_key("BaoCao") == "baocao"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (45600.0, ("45600", 45600, None)),
        (45600, ("45600", 45600, None)),
        ("45600", ("45600", 45600, None)),
        ("45.600", ("45.600", 45600, None)),
        ("1.458,0", ("1.458,0", 1458, None)),
        ("1,458", ("1,458", 1458, None)),
        ("1,458.0", ("1,458.0", 1458, None)),
        ("1.234.567", ("1.234.567", 1234567, None)),
        ("45 600", ("45 600", 45600, None)),
        (" 12 ", (" 12 ", 12, None)),
        ("0", ("0", 0, None)),
        ("+7", ("+7", 7, None)),
        ("12,5", ("12,5", None, "value_not_whole")),
        ("12.5", ("12.5", None, "value_not_whole")),
        ("0,500", ("0,500", None, "value_not_whole")),
        (12.5, ("12.5", None, "value_not_whole")),
        (-3.0, ("-3", None, "value_negative")),
        ("-1.458", ("-1.458", None, "value_negative")),
        ("-1,5", ("-1,5", None, "value_negative")),
        ("abc", ("abc", None, "value_not_number")),
        ("1.2.3", ("1.2.3", None, "value_not_number")),
        ("1.45", ("1.45", None, "value_not_whole")),
        ("1234.567", ("1234.567", None, "value_not_whole")),
        ("12%", ("12%", None, "value_not_number")),
        ("١٢", ("١٢", None, "value_not_number")),  # digits of another script
        ("１２", ("１２", None, "value_not_number")),
        ("1e3", ("1e3", None, "value_not_number")),
        ("x", ("x", None, "value_not_number")),
        (True, ("TRUE", None, "value_not_number")),
        (dt.date(2024, 4, 1), ("2024-04-01", None, "value_not_number")),
        (float("nan"), ("nan", None, "value_not_number")),
        ("99999999999999999999", ("99999999999999999999", None, "value_not_number")),
        ("", (None, None, None)),
        ("   ", (None, None, None)),
        (None, (None, None, None)),
    ],
)
def test_parse_count(cell: object, expected: tuple) -> None:
    assert parse_count(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("04/2024", ("04/2024", dt.date(2024, 4, 1), None)),
        ("4/2024", ("4/2024", dt.date(2024, 4, 1), None)),
        ("2024-04", ("2024-04", dt.date(2024, 4, 1), None)),
        ("Tháng 4/2024", ("Tháng 4/2024", dt.date(2024, 4, 1), None)),
        ("tháng 04 năm 2024", ("tháng 04 năm 2024", dt.date(2024, 4, 1), None)),
        ("15/04/2024", ("15/04/2024", dt.date(2024, 4, 1), None)),
        (dt.date(2024, 4, 15), ("2024-04-15", dt.date(2024, 4, 1), None)),
        (dt.datetime(2024, 4, 1), ("2024-04-01", dt.date(2024, 4, 1), None)),
        (45383.0, ("45383", dt.date(2024, 4, 1), None)),  # Excel serial of 2024-04-01
        (45383, ("45383", dt.date(2024, 4, 1), None)),
        ("13/2024", ("13/2024", None, "period_invalid")),
        ("2024", ("2024", None, "period_invalid")),
        (2024.0, ("2024", None, "period_invalid")),  # a serial far before 1990
        ("Quý 2/2024", ("Quý 2/2024", None, "period_invalid")),
        ("31/02/2024", ("31/02/2024", None, "period_invalid")),
        (True, ("TRUE", None, "period_invalid")),
        ("", (None, None, "period_missing")),
        (None, (None, None, "period_missing")),
    ],
)
def test_parse_period(cell: object, expected: tuple) -> None:
    assert parse_period(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (dt.date(2024, 5, 3), dt.date(2024, 5, 3)),
        (dt.datetime(2024, 5, 3, 10, 30), dt.date(2024, 5, 3)),
        ("03/05/2024", dt.date(2024, 5, 3)),
        ("3/5/2024", dt.date(2024, 5, 3)),
        ("2024-05-03", dt.date(2024, 5, 3)),
        ("Ngày 03 tháng 05 năm 2024", dt.date(2024, 5, 3)),
        ("ngày 3 tháng 5 năm 2024", dt.date(2024, 5, 3)),
        (45415.0, dt.date(2024, 5, 3)),
        ("30/02/2024", None),
        ("hôm qua", None),
        ("", None),
        (12.0, None),
    ],
)
def test_parse_date(cell: object, expected: dt.date | None) -> None:
    assert parse_date(cell) == expected


def test_cell_text_clean_representations() -> None:
    assert [cell_text(c) for c in (45600.0, 1.5, 7, "  a ", "", dt.time(8, 30))] == [
        "45600", "1.5", "7", "  a ", None, "08:30:00",
    ]  # fmt: skip

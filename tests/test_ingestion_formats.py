"""Every accepted workbook format, and foreign workbooks that are not the template.

template.xls / template.ods were converted by LibreOffice from FORMAT_FIXTURE
(tests/fixtures/ingestion/make_fixtures.sh); the .xlsx is written here from the same
spec, so all three must give the same rows.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from workbook_factory import FORMAT_FIXTURE, ingest, rows_of, write_template

FIXTURES = Path(__file__).parent / "fixtures" / "ingestion"
FOREIGN = ("issues.xlsb", "date.xlsb", "issues.xls", "issues.ods")

EXPECTED = [
    # row, location, measure, raw_value, value, value_error, raw_cumulative, cumulative
    (9, "BaoCao!F9", "accounts_total", "45600", 45600, None, "45600", 45600),
    (10, "BaoCao!F10", "dossiers_total", "1.669", 1669, None, "2.000", 2000),
    (11, "BaoCao!F11", "dossiers_online", None, None, None, None, None),
    (12, "BaoCao!F12", "articles_posted", "-2", None, "value_negative", None, None),
    (13, "BaoCao!F13", "households_vneid", "12.5", None, "value_not_whole", None, None),
]
COLUMNS = ("row_number", "location", "measure_code", "raw_value", "value", "value_error",
           "raw_cumulative", "cumulative")  # fmt: skip


@pytest.mark.parametrize("file_format", ["xlsx", "xls", "ods"])
def test_template_reads_the_same_in_every_format(tmp_path: Path, file_format: str) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    target = inbox / f"template.{file_format}"
    if file_format == "xlsx":
        write_template(target, FORMAT_FIXTURE)
    else:
        shutil.copyfile(FIXTURES / target.name, target)
    _, files, rows = ingest(inbox, tmp_path / "raw")
    assert [(f["file_format"], f["parse_status"], f["sheet_name"]) for f in files] == [
        (file_format, "parsed", "BaoCao")
    ]
    assert rows_of(rows, *COLUMNS) == EXPECTED
    assert set(rows_of(rows, "unit_code", "period", "period_raw", "report_date")) == {
        ("TP_BA", dt.date(2024, 4, 1), "2024-04-01", dt.date(2024, 5, 3))
    }


def test_foreign_workbooks_are_rejected_not_template(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in FOREIGN:
        shutil.copyfile(FIXTURES / "foreign" / name, inbox / name)
    summary, files, rows = ingest(inbox, tmp_path / "raw")
    assert {f["file_name"]: (f["parse_status"], f["error_code"]) for f in files} == {
        name: ("rejected", "not_template") for name in FOREIGN
    }
    assert (rows, summary.rows_read) == ([], 0)


def test_workbook_with_a_wrong_extension_is_still_read_by_content(tmp_path: Path) -> None:
    # A unit renamed an .xls to .xlsx: calamine detects the real format.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copyfile(FIXTURES / "template.xls", inbox / "renamed.xlsx")
    _, files, rows = ingest(inbox, tmp_path / "raw")
    assert (files[0]["file_format"], files[0]["parse_status"]) == ("xlsx", "parsed")
    assert rows_of(rows, *COLUMNS) == EXPECTED

"""Hostile inbox files never stop the province's run (issue #14, rows 1-4).

Real files in a temporary inbox, read by the real ingest_inbox and read back from the raw
store; one end-to-end run of the whole pipeline (slow).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ingestion.guard import TOO_LARGE_VI
from ingestion.inbox import ingest_inbox, iter_inbox_entries
from ingestion.raw_store import read_raw_tables
from ingestion.template import write_report_csv, write_report_workbook

DAY = dt.date(2024, 5, 3)


def _good_reports(inbox: Path) -> None:
    """Two ordinary reports whose rows must always load."""
    write_report_workbook(
        inbox / "tot.xlsx",
        unit_code="HDP",
        unit_name="Đông Phú",
        period="2024-04",
        values={"articles_posted": 4, "dossiers_supported": 10},
        report_date=DAY,
    )
    write_report_csv(inbox / "tot.csv", [("HNS", "2024-04", "articles_posted", 7)])


def _template(path: Path, unit: str = "TPBA") -> Path:
    return write_report_workbook(
        path,
        unit_code=unit,
        unit_name="x",
        period="2024-04",
        values={"articles_posted": 1},
        report_date=DAY,
    )


def _rewrite(path: Path, part: str, change) -> None:
    """Rewrite one part of a zip in place (openpyxl cannot write what hostile files hold)."""
    with zipfile.ZipFile(path) as zin:
        items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            zout.writestr(info, change(data) if info.filename == part else data)


SHEET = "xl/worksheets/sheet1.xml"


def _run(inbox: Path, raw: Path) -> tuple[dict, list[dict], object]:
    summary = ingest_inbox(inbox, raw)
    files, rows = read_raw_tables(raw)
    by_name = {f["file_name"]: f for f in files.to_pylist()}
    return by_name, rows.to_pylist(), summary


def _assert_good_loaded(files: dict, rows: list[dict]) -> None:
    assert files["tot.xlsx"]["parse_status"] == "parsed"
    assert files["tot.csv"]["parse_status"] == "parsed"
    loaded = {(r["file_name"], r["unit_code"], r["measure_code"], r["value"]) for r in rows}
    assert {
        ("tot.xlsx", "HDP", "articles_posted", 4),
        ("tot.xlsx", "HDP", "dossiers_supported", 10),
        ("tot.csv", "HNS", "articles_posted", 7),
    } <= loaded


def _rejected_too_large(entry: dict) -> None:
    assert (entry["parse_status"], entry["error_code"]) == ("rejected", "file_unreadable")
    assert entry["error_detail"].startswith(TOO_LARGE_VI), entry["error_detail"]


# Row 1: a cell at XFD1048576 ----------------------------------------------------------


def test_cell_at_xfd1048576_is_rejected_and_the_rest_loads(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    _good_reports(inbox)
    path = _template(inbox / "xfd.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook.active["XFD1048576"] = 1  # sheet dimension A1:XFD1048576
    workbook.save(path)
    # The same cell behind a declared dimension that lies (calamine sizes from the cells).
    lying = _template(inbox / "lying_dimension.xlsx", unit="HDP2")
    shutil.copy(path, lying)
    _rewrite(
        lying,
        SHEET,
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:H13"', xml),
    )

    files, rows, summary = _run(inbox, tmp_path / "raw")

    _rejected_too_large(files["xfd.xlsx"])
    assert "row 1048576, column 16384" in files["xfd.xlsx"]["error_detail"]
    _rejected_too_large(files["lying_dimension.xlsx"])
    assert not [r for r in rows if r["file_name"] in ("xfd.xlsx", "lying_dimension.xlsx")]
    _assert_good_loaded(files, rows)
    assert summary.files_rejected == 2 and summary.files_parsed == 2


def test_a_huge_declared_dimension_alone_is_harmless(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    path = _template(inbox / "wide_dimension.xlsx")
    _rewrite(
        path,
        SHEET,
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml),
    )
    files, rows, _ = _run(inbox, tmp_path / "raw")
    assert files["wide_dimension.xlsx"]["parse_status"] == "parsed"
    assert [r["value"] for r in rows] == [1]


def test_limits_are_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = tmp_path / "inbox"
    _template(inbox / "r.xlsx")  # the template reaches about row 13, column H
    monkeypatch.setenv("DEAN5299_MAX_ROWS", "5")
    files, _, _ = _run(inbox, tmp_path / "raw")
    _rejected_too_large(files["r.xlsx"])
    assert "limits: 5 rows" in files["r.xlsx"]["error_detail"]


def test_zip_declaring_a_huge_uncompressed_size_is_rejected_unread(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    _good_reports(inbox)
    path = _template(inbox / "bomb.xlsx")
    data = bytearray(path.read_bytes())
    # Central directory entry of the sheet: its uncompressed size (offset 24) set to ~4 GiB.
    name_at = data.index(SHEET.encode(), data.index(b"PK\x01\x02"))
    entry = data.rindex(b"PK\x01\x02", 0, name_at)
    data[entry + 24 : entry + 28] = (0xFFFF_FFF0).to_bytes(4, "little")
    path.write_bytes(bytes(data))

    files, rows, _ = _run(inbox, tmp_path / "raw")

    _rejected_too_large(files["bomb.xlsx"])
    assert "inflate" in files["bomb.xlsx"]["error_detail"]
    _assert_good_loaded(files, rows)


def test_unbounded_workbook_is_read_apart_and_an_abort_costs_one_file(tmp_path: Path) -> None:
    """Cells without a reference cannot be bounded by the scan: such a workbook is read in
    a memory-limited child. A harmless one loads; one whose grid cannot be allocated
    aborts the child (not the run) and is rejected."""
    inbox = tmp_path / "inbox"
    _good_reports(inbox)
    harmless = _template(inbox / "no_refs.xlsx", unit="HTH2")
    _rewrite(harmless, SHEET, lambda xml: re.sub(rb'(<c) r="[A-Z]+\d+"', rb"\1", xml))
    aborting = _template(inbox / "aborting.xlsx", unit="HTH3")
    wide_row = b'<row r="1048576">' + b'<c t="n"><v>1</v></c>' * 16384 + b"</row>"
    _rewrite(aborting, SHEET, lambda xml: xml.replace(b"</sheetData>", wide_row + b"</sheetData>"))

    files, rows, _ = _run(inbox, tmp_path / "raw")

    assert files["no_refs.xlsx"]["parse_status"] == "parsed"
    assert [r["value"] for r in rows if r["file_name"] == "no_refs.xlsx"] == [1]
    _rejected_too_large(files["aborting.xlsx"])
    assert "read apart" in files["aborting.xlsx"]["error_detail"]
    _assert_good_loaded(files, rows)


# Row 2: a symlink loop -----------------------------------------------------------------


def test_symlink_loop_is_skipped_and_listed(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    _good_reports(inbox)
    (inbox / "vong").mkdir()
    os.symlink("b.xlsx", inbox / "vong" / "a.xlsx")
    os.symlink("a.xlsx", inbox / "vong" / "b.xlsx")
    os.symlink("self.csv", inbox / "self.csv")

    files, rows, summary = _run(inbox, tmp_path / "raw")

    for name in ("vong/a.xlsx", "vong/b.xlsx", "self.csv"):
        assert (files[name]["parse_status"], files[name]["error_code"]) == (
            "skipped",
            "symlink_loop",
        )
    assert summary.files_skipped == 3 and not summary.files_not_read
    _assert_good_loaded(files, rows)
    # Listed once: a second run over the same inbox logs nothing new.
    assert ingest_inbox(inbox, tmp_path / "raw").files_new == 0


# Row 3: a name that is not UTF-8 -------------------------------------------------------


def test_name_not_utf8_is_read_under_an_escaped_name(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    _good_reports(inbox)
    real = _template(tmp_path / "x.xlsx", unit="TXAL")
    # "báo cáo.xlsx" saved by an old Windows tool in cp1258: \xe1 is not UTF-8.
    folder = os.fsencode(inbox) + b"/th\xe1ng 4"
    os.mkdir(folder)
    shutil.copy(real, folder + b"/b\xe1o c\xe1o.xlsx")

    files, rows, _ = _run(inbox, tmp_path / "raw")

    name = "th\\xe1ng 4/b\\xe1o c\\xe1o.xlsx"
    assert files[name]["parse_status"] == "parsed"
    assert [(r["unit_code"], r["value"]) for r in rows if r["file_name"] == name] == [("TXAL", 1)]
    _assert_good_loaded(files, rows)
    assert ingest_inbox(inbox, tmp_path / "raw").files_new == 0


# Row 4: a symlink pointing outside the inbox ---------------------------------------------


def test_symlink_outside_the_inbox_is_not_followed(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    _good_reports(inbox)
    outside = tmp_path / "elsewhere"
    write_report_csv(outside / "valid.csv", [("HDP", "2024-04", "payment_accounts", 99)])
    _template(outside / "valid.xlsx", unit="OUT")
    os.symlink(outside / "valid.csv", inbox / "valid.csv")
    os.symlink("../elsewhere/valid.xlsx", inbox / "relative.xlsx")
    os.symlink("/etc/passwd", inbox / "passwd.csv")
    os.symlink(outside, inbox / "folder")  # a folder outside: listed, not entered
    _template(inbox / "inside.xlsx", unit="INS")
    os.symlink("inside.xlsx", inbox / "link_inside.xlsx")  # inside the inbox: followed

    files, rows, _ = _run(inbox, tmp_path / "raw")

    for name in ("valid.csv", "relative.xlsx", "passwd.csv", "folder"):
        entry = files[name]
        assert (entry["parse_status"], entry["error_code"]) == ("skipped", "outside_inbox"), name
        assert "root" not in (entry["error_detail"] or "")
    assert not [r for r in rows if r["unit_code"] == "OUT" or r["value"] == 99]
    assert not any("root:" in str(r) for r in rows)
    assert files["inside.xlsx"]["parse_status"] == "parsed"
    assert files["link_inside.xlsx"]["parse_status"] == "duplicate"
    _assert_good_loaded(files, rows)


def test_walker_contract(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "a").mkdir(parents=True)
    (inbox / "a" / "r.csv").write_text("x")
    os.symlink("/etc/hostname", inbox / "h.csv")
    os.symlink("loop", inbox / "loop")
    os.symlink("nowhere", inbox / "dangling.csv")
    os.symlink("a", inbox / "a_again")  # a folder inside: walked once, where it is
    os.mkfifo(inbox / "pipe.csv")
    (inbox / "raw").mkdir()
    (inbox / "raw" / "x.parquet").write_text("")

    entries = {e.name: e for e in iter_inbox_entries(inbox, skip=inbox / "raw")}

    assert set(entries) == {"a/r.csv", "h.csv", "loop"}
    assert entries["a/r.csv"].skip_reason is None
    assert entries["a/r.csv"].size == 1
    assert entries["h.csv"].skip_reason == "outside_inbox"
    assert entries["loop"].skip_reason == "symlink_loop"


# End to end ----------------------------------------------------------------------------


@pytest.mark.slow
def test_hostile_files_beside_the_sample_change_nothing_published(sample_workspace) -> None:
    from published_figures import PUBLISHED
    from test_golden_sample import province_rows
    from warehouse_helpers import file_ingestion

    ws = sample_workspace
    hostile = ws.inbox / "hostile"
    hostile.mkdir()
    path = _template(hostile / "xfd.xlsx", unit="HDP")
    workbook = openpyxl.load_workbook(path)
    workbook.active["XFD1048576"] = 1
    workbook.save(path)
    os.symlink("loop.xlsx", hostile / "loop.xlsx")
    os.symlink("/etc/passwd", hostile / "passwd.csv")
    outside = ws.root / "outside.csv"
    write_report_csv(outside, [("HDP", "2024-04", "payment_accounts", 123456)])
    os.symlink(outside, hostile / "outside.csv")
    shutil.copy(ws.inbox / "huong_dan_bao_cao.txt", os.fsencode(hostile) + b"/ghi ch\xfa.txt")

    result = ws.run_cli("run", "--as-of", "2024-04")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    rows = province_rows(ws)
    year = ("2024-01-01", "2024-12-01")
    for code, (numerator, denominator, target) in PUBLISHED.items():
        window = ("2024-01-01", "2024-06-01") if code == "CT8" else year
        assert rows[(code, *window)][:2] == (numerator, denominator), code
        assert rows[(code, *window)][3] == target, code
    files = file_ingestion(ws.warehouse, "status, rows_read, rows_loaded, rows_rejected, error")
    assert all(read == loaded + rejected for _, read, loaded, rejected, _ in files.values())
    assert files["hostile/xfd.xlsx"][0] == "rejected"
    assert files["hostile/xfd.xlsx"][4].startswith("file_unreadable: ")
    assert files["hostile/loop.xlsx"][0] == "skipped"
    assert files["hostile/loop.xlsx"][4].startswith("symlink_loop: ")
    for name in ("hostile/passwd.csv", "hostile/outside.csv"):
        assert files[name][0] == "skipped"
        assert files[name][4].startswith("outside_inbox: ")
    assert files["hostile/ghi ch\\xfa.txt"][0] == "skipped"

"""The inbox scan: statuses, duplicates, versions, incremental re-runs, the batch files."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook
from workbook_factory import ingest, read_back, report_at, write_csv

import ingestion.inbox as inbox_module
from ingestion.file_reader import parse_path, sha256_of
from ingestion.inbox import IngestSummary, ingest_inbox
from ingestion.raw_store import (
    EMPTY_BATCH_ID,
    INBOX_FILES_SCHEMA,
    REPORT_ROWS_SCHEMA,
    read_raw_store,
)

T0 = 1_714_000_000  # a fixed mtime (2024-04-24), so ordering never depends on the clock


def _touch(path: Path, mtime: float) -> None:
    os.utime(path, (mtime, mtime))


def _statuses(files: list[dict]) -> dict[str, tuple]:
    return {f["file_name"]: (f["parse_status"], f["error_code"], f["duplicate_of"]) for f in files}


def _batches(raw: Path, table: str) -> list[str]:
    return sorted(p.name for p in (raw / table).glob("*.parquet"))


def test_mixed_inbox_statuses_and_summary(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    report_at(inbox / "2024-04", "tp_ba.xlsx")
    report_at(inbox / "2024-04", "bad.XLSX", unit=None)  # upper-case extension is accepted
    (inbox / "2024-04" / "bad.XLSX").write_bytes(os.urandom(2048))  # corrupt bytes
    (inbox / "empty.xlsx").write_bytes(b"")
    (inbox / "notes.txt").write_text("ghi chú")
    (inbox / "README").write_text("no extension")
    write_csv(inbox / "a" / "b" / "c" / "deep.csv", ["unit_code,period,measure_code,value",
                                                      "A,04/2024,accounts_total,-1"])  # fmt: skip
    summary, files, rows = ingest(inbox, tmp_path / "raw")

    assert _statuses(files) == {
        "2024-04/tp_ba.xlsx": ("parsed", None, None),
        "2024-04/bad.XLSX": ("rejected", "file_unreadable", None),
        "empty.xlsx": ("rejected", "file_empty", None),
        "notes.txt": ("skipped", None, None),
        "README": ("skipped", None, None),
        "a/b/c/deep.csv": ("parsed", None, None),
    }
    assert {f["file_name"]: f["file_format"] for f in files} == {
        "2024-04/tp_ba.xlsx": "xlsx", "2024-04/bad.XLSX": "xlsx", "empty.xlsx": "xlsx",
        "notes.txt": "txt", "README": "", "a/b/c/deep.csv": "csv",
    }  # fmt: skip
    assert summary == IngestSummary(
        files_seen=6, files_new=6, files_parsed=2, files_rejected=2, files_duplicate=0,
        files_skipped=2, rows_read=5, rows_with_errors=1, batch_id=files[0]["batch_id"],
        files=summary.files,
    )  # fmt: skip
    assert {(r.file_name, r.rows_read, r.rows_with_errors) for r in summary.files} >= {
        ("2024-04/tp_ba.xlsx", 4, 0),
        ("a/b/c/deep.csv", 1, 1),
    }
    assert len(rows) == 5


def test_batch_files_and_schemas(tmp_path: Path) -> None:
    report_at(tmp_path / "inbox")
    summary = ingest_inbox(tmp_path / "inbox", tmp_path / "raw")
    assert re.fullmatch(r"batch-\d{8}T\d{12}-[0-9a-f]{8}", summary.batch_id)
    names = [f"{EMPTY_BATCH_ID}.parquet", f"{summary.batch_id}.parquet"]
    assert _batches(tmp_path / "raw", "inbox_files") == names
    assert _batches(tmp_path / "raw", "report_rows") == names
    for table, schema in (("inbox_files", INBOX_FILES_SCHEMA), ("report_rows", REPORT_ROWS_SCHEMA)):
        for name in names:
            assert pq.read_schema(tmp_path / "raw" / table / name).equals(schema)
    assert pq.read_table(tmp_path / "raw" / "inbox_files" / names[0]).num_rows == 0


def test_first_use_on_an_empty_inbox_writes_only_the_empty_batch(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    summary = ingest_inbox(tmp_path / "inbox", tmp_path / "raw")
    assert (summary.batch_id, summary.files_seen) == (None, 0)
    assert _batches(tmp_path / "raw", "inbox_files") == [f"{EMPTY_BATCH_ID}.parquet"]
    assert _batches(tmp_path / "raw", "report_rows") == [f"{EMPTY_BATCH_ID}.parquet"]


def test_byte_identical_copy_elsewhere_is_a_duplicate_of_the_earlier_copy(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    original, _ = report_at(inbox / "zalo", "tp_ba.xlsx")
    copy = inbox / "email" / "Báo cáo tháng 4.xlsx"
    copy.parent.mkdir()
    shutil.copyfile(original, copy)
    _touch(original, T0)
    _touch(copy, T0 + 60)  # seen later, although its path sorts first
    _, files, rows = ingest(inbox, tmp_path / "raw")
    assert _statuses(files) == {
        "zalo/tp_ba.xlsx": ("parsed", None, None),
        "email/Báo cáo tháng 4.xlsx": ("duplicate", None, "zalo/tp_ba.xlsx"),
    }
    assert {r["file_name"] for r in rows} == {"zalo/tp_ba.xlsx"}


def test_same_mtime_duplicates_are_ordered_by_path(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    original, _ = report_at(inbox, "b.xlsx")
    shutil.copyfile(original, inbox / "a.xlsx")
    _touch(original, T0)
    _touch(inbox / "a.xlsx", T0)
    _, files, _ = ingest(inbox, tmp_path / "raw")
    assert _statuses(files)["b.xlsx"] == ("duplicate", None, "a.xlsx")


def test_copy_arriving_in_a_later_run_is_a_duplicate(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    original, _ = report_at(inbox, "tp_ba.xlsx")
    ingest_inbox(inbox, tmp_path / "raw")
    shutil.copyfile(original, inbox / "again.xlsx")
    summary, files, _ = ingest(inbox, tmp_path / "raw")
    assert (summary.files_new, summary.files_duplicate, summary.rows_read) == (1, 1, 0)
    assert _statuses(files)["again.xlsx"] == ("duplicate", None, "tp_ba.xlsx")


def test_copy_of_a_rejected_file_is_a_duplicate_too(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "x.xlsx").write_bytes(b"not a workbook")
    (inbox / "y.csv").write_bytes(b"not a workbook")
    _touch(inbox / "x.xlsx", T0)
    _touch(inbox / "y.csv", T0 + 1)
    _, files, _ = ingest(inbox, tmp_path / "raw")
    assert _statuses(files) == {
        "x.xlsx": ("rejected", "file_unreadable", None),
        "y.csv": ("duplicate", None, "x.xlsx"),
    }


def test_copies_of_a_skipped_file_are_skipped_not_duplicates(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text("same")
    (inbox / "b.txt").write_text("same")
    _, files, _ = ingest(inbox, tmp_path / "raw")
    assert _statuses(files) == {"a.txt": ("skipped", None, None), "b.txt": ("skipped", None, None)}


def test_resubmission_at_the_same_path_is_a_new_version(tmp_path: Path) -> None:
    inbox, raw = tmp_path / "inbox", tmp_path / "raw"
    path, _ = report_at(inbox, "tp_ba.xlsx", rows=[("accounts_total", 100)])
    _touch(path, T0)
    first = ingest_inbox(inbox, raw)
    report_at(inbox, "tp_ba.xlsx", rows=[("accounts_total", 120)], report_date="05/05/2024")
    _touch(path, T0 + 86_400)
    second = ingest_inbox(inbox, raw)
    files, rows = read_back(raw)
    assert [f["file_name"] for f in files] == ["tp_ba.xlsx", "tp_ba.xlsx"]
    assert [f["parse_status"] for f in files] == ["parsed", "parsed"]
    assert files[0]["sha256"] != files[1]["sha256"]
    assert [(r["batch_id"], r["value"]) for r in rows] == [
        (first.batch_id, 100),
        (second.batch_id, 120),
    ]
    assert [r["file_mtime"].timestamp() for r in rows] == [T0, T0 + 86_400]


def test_unchanged_rerun_writes_nothing_and_is_fast(tmp_path: Path) -> None:
    inbox, raw = tmp_path / "inbox", tmp_path / "raw"
    original, _ = report_at(inbox / "0", "r.xlsx")
    for i in range(1, 300):  # hundreds of files (copies: the scan does not care)
        (inbox / str(i % 20)).mkdir(exist_ok=True)
        shutil.copyfile(original, inbox / str(i % 20) / f"r{i}.xlsx")
    ingest_inbox(inbox, raw, workers=1)
    batches = _batches(raw, "inbox_files")
    started = time.perf_counter()
    summary = ingest_inbox(inbox, raw)
    elapsed = time.perf_counter() - started
    assert (summary.batch_id, summary.files_seen, summary.files_new) == (None, 300, 0)
    assert _batches(raw, "inbox_files") == batches
    assert elapsed < 0.5, f"re-run took {elapsed:.3f}s"


def test_touched_file_with_same_bytes_is_not_logged_again(tmp_path: Path) -> None:
    inbox, raw = tmp_path / "inbox", tmp_path / "raw"
    path, _ = report_at(inbox)
    _touch(path, T0)
    ingest_inbox(inbox, raw)
    _touch(path, T0 + 3600)
    summary = ingest_inbox(inbox, raw)
    assert (summary.batch_id, summary.files_new) == (None, 0)
    assert len(read_back(raw)[0]) == 1


def test_one_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    for i in range(3):
        report_at(inbox, f"r{i}.xlsx", unit=f"U{i}")
    (inbox / "r1.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(500))  # a truncated zip
    _, files, rows = ingest(inbox, tmp_path / "raw")
    assert _statuses(files)["r1.xlsx"] == ("rejected", "file_unreadable", None)
    assert {r["unit_code"] for r in rows} == {"U0", "U2"}


def test_workbook_without_any_cell_is_file_empty(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    Workbook().save(tmp_path / "inbox" / "blank.xlsx")
    _, files, _ = ingest(tmp_path / "inbox", tmp_path / "raw")
    assert _statuses(files) == {"blank.xlsx": ("rejected", "file_empty", None)}


def test_empty_report_sheet_with_data_elsewhere_is_not_template(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    wb = Workbook()
    wb.active.title = "BaoCao"
    wb.create_sheet("Khac")["A1"] = "something"
    wb.save(tmp_path / "inbox" / "x.xlsx")
    _, files, _ = ingest(tmp_path / "inbox", tmp_path / "raw")
    assert _statuses(files) == {"x.xlsx": ("rejected", "not_template", None)}


def test_crashed_batch_is_ignored_and_its_files_read_again(tmp_path: Path) -> None:
    inbox, raw = tmp_path / "inbox", tmp_path / "raw"
    report_at(inbox)
    crashed = ingest_inbox(inbox, raw)
    (raw / "inbox_files" / f"{crashed.batch_id}.parquet").unlink()  # died before this write
    assert read_back(raw) == ([], [])  # the orphan report_rows file is ignored
    again = ingest_inbox(inbox, raw)
    files, rows = read_back(raw)
    assert again.batch_id != crashed.batch_id
    assert [f["batch_id"] for f in files] == [again.batch_id]
    assert {r["batch_id"] for r in rows} == {again.batch_id}
    assert len(rows) == 4


def test_raw_store_inside_the_inbox_is_not_scanned(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    report_at(inbox)
    ingest_inbox(inbox, inbox / "raw")
    summary = ingest_inbox(inbox, inbox / "raw")
    assert (summary.files_seen, summary.batch_id) == (1, None)


def test_missing_inbox_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="inbox folder not found"):
        ingest_inbox(tmp_path / "nowhere", tmp_path / "raw")


def test_process_pool_gives_the_same_rows_as_serial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_module, "PARALLEL_THRESHOLD", 20)  # a real pool, on few files
    monkeypatch.setattr(inbox_module, "_free_cores", lambda: 2)  # however busy the machine
    monkeypatch.setattr(inbox_module, "PARSE_HERE_TOO", False)  # every file in a worker
    inbox = tmp_path / "inbox"
    for i in range(30):
        report_at(inbox, f"r{i:02}.xlsx", unit=f"U{i}", rows=[("accounts_total", i)])
    (inbox / "broken.xlsx").write_bytes(b"junk")
    parallel = ingest_inbox(inbox, tmp_path / "raw_parallel", workers=2)
    serial = ingest_inbox(inbox, tmp_path / "raw_serial", workers=1)

    def comparable(raw: Path) -> tuple[list, list]:
        files, rows = read_back(raw)
        drop = {"batch_id", "ingested_at"}
        return (
            sorted(tuple((k, v) for k, v in f.items() if k not in drop) for f in files),
            sorted(tuple((k, v) for k, v in r.items() if k not in drop) for r in rows),
        )

    assert (parallel.files_parsed, parallel.files_rejected) == (30, 1)
    assert comparable(tmp_path / "raw_parallel") == comparable(tmp_path / "raw_serial")
    assert serial.rows_read == parallel.rows_read == 30


@pytest.mark.parametrize("here_too", [False, True], ids=["workers_only", "shared"])
def test_process_pool_lands_rows_in_the_same_order_with_their_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, here_too: bool
) -> None:
    """Chunks of files return their rows as columns; the batch must line every row up
    with its own file, in the serial order, across chunk borders and files without rows
    (rejected, duplicate, skipped) between them."""
    monkeypatch.setattr(inbox_module, "PARALLEL_THRESHOLD", 10)
    monkeypatch.setattr(inbox_module, "CHUNKS_PER_WORKER", 3)  # several chunks per worker
    monkeypatch.setattr(inbox_module, "_free_cores", lambda: 2)
    monkeypatch.setattr(inbox_module, "PARSE_HERE_TOO", here_too)  # False: every chunk in a worker
    inbox = tmp_path / "inbox"
    for i in range(23):
        measures = [("accounts_total", i), ("dossiers_total", 100 + i), ("articles_posted", i)]
        path, _ = report_at(inbox, f"r{i:02}.xlsx", unit=f"U{i:02}", rows=measures[: 1 + i % 3])
        _touch(path, T0 + i)
    (inbox / "r05b.xlsx").write_bytes(b"junk")
    _touch(inbox / "r05b.xlsx", T0 + 5)
    shutil.copyfile(inbox / "r07.xlsx", inbox / "r07_copy.xlsx")
    _touch(inbox / "r07_copy.xlsx", T0 + 7)
    (inbox / "ghi_chu.txt").write_text("x")
    _touch(inbox / "ghi_chu.txt", T0 + 11)
    parallel = ingest_inbox(inbox, tmp_path / "raw_parallel", workers=2)
    serial = ingest_inbox(inbox, tmp_path / "raw_serial", workers=1)

    def landed(raw: Path) -> list[list]:
        """Both batch files as written (read_back sorts; the order matters here)."""
        tables = []
        for table in ("inbox_files", "report_rows"):
            (path,) = [p for p in (raw / table).glob("*.parquet") if EMPTY_BATCH_ID not in p.name]
            rows = pq.read_table(path).drop_columns(["batch_id"]).to_pylist()
            tables.append([{k: v for k, v in r.items() if k != "ingested_at"} for r in rows])
        return tables

    assert landed(tmp_path / "raw_parallel") == landed(tmp_path / "raw_serial")
    _, rows = read_back(tmp_path / "raw_parallel")
    assert len(rows) == sum(1 + i % 3 for i in range(23)) == parallel.rows_read
    for row in rows:  # each row sits beside its own file's name
        assert row["file_name"] == f"r{row['unit_code'][1:].lower()}.xlsx", row
    assert [r.parse_status for r in parallel.files] == [r.parse_status for r in serial.files]
    assert (parallel.files_parsed, parallel.files_rejected) == (23, 1)
    assert (parallel.files_duplicate, parallel.files_skipped) == (1, 1)


def test_read_raw_store_gives_dataframes(tmp_path: Path) -> None:
    report_at(tmp_path / "inbox", rows=[("accounts_total", 1), ("dossiers_total", None)])
    ingest_inbox(tmp_path / "inbox", tmp_path / "raw")
    files, rows = read_raw_store(tmp_path / "raw")
    assert list(files.columns) == INBOX_FILES_SCHEMA.names
    assert list(rows.columns) == REPORT_ROWS_SCHEMA.names
    assert rows["value"].tolist()[0] == 1 and str(rows["value"].dtype) == "Int64"


def test_a_file_changed_after_hashing_is_not_parsed(tmp_path: Path) -> None:
    path, _ = report_at(tmp_path)
    assert parse_path(str(path), "xlsx", sha256_of(str(path))).status == "parsed"
    assert parse_path(str(path), "xlsx", "0" * 64) is None  # logged next run instead
    assert parse_path(str(tmp_path / "gone.xlsx"), "xlsx", "0" * 64) is None

"""A full disk (issue #14): a small tmpfs holds the warehouse folder. Publication renames
the build (no room for a copy needed); where it still writes (the checkpoint of a WAL)
it and the Parquet export stop with one line naming the folder and the space needed,
leave the published files as they were and give the half-written space back; a
compaction that does not fit is skipped; the next run (after space was freed) removes
the failed run's leftovers and succeeds.

Needs `mount -t tmpfs` (root in a container that allows it); skipped with the reason
otherwise. As root, making a folder unwritable does not stop writes, so there is no
fallback."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import stat
import subprocess
import time
from pathlib import Path

import duckdb
import pytest
from conftest import DEAN5299, Workspace

from orchestration.publishing import (
    PUBLISHED_STORAGE_NUMBER,
    REPORT_TMP_GRACE_SECONDS,
    DiskFull,
    create_build_file,
    disk_full_report,
    export_marts_to_parquet,
    is_disk_full,
    publish_build,
    storage_number,
)

ONE_LINE = re.compile(
    r"^đĩa đầy: cần thêm ~(\d+) MB tại (\S+) / disk full: ~(\d+) MB more needed at (\S+)$"
)


def mount_tmpfs(folder: Path, size_kb: int) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (the disk-full tests fill a small tmpfs)")
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip() or result.returncode}")


def resize_tmpfs(folder: Path, size_kb: int) -> None:
    subprocess.run(
        ["mount", "-o", f"remount,size={size_kb}k", str(folder)], check=True, capture_output=True
    )


@pytest.fixture
def tmpfs(tmp_path):
    mounted = []

    def mount(folder: Path, size_kb: int) -> Path:
        mount_tmpfs(folder, size_kb)
        mounted.append(folder)
        return folder

    yield mount
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def kb(path: Path) -> int:
    return path.stat().st_size // 1024 + 1


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_build(path: Path, rows: int = 60_000, seed: int = 0) -> None:
    """A build of a few MB that does not compress away (md5 strings), in the file
    orchestration creates for a build."""
    create_build_file(path)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_big as select i as id, md5((i + ?)::varchar) as a, "
            "md5((i * 7 + ?)::varchar) as b from range(?) t(i)",
            [seed, seed, rows],
        )


def add_to_wal(path: Path, batches: int = 4, rows: int = 60_000) -> None:
    """Rows a writer left in the build's WAL (smaller inserts than a row group stay there
    until a checkpoint, which publication then has to write)."""
    with duckdb.connect(str(path)) as con:
        con.execute("pragma disable_checkpoint_on_shutdown")
        con.execute("set checkpoint_threshold = '10GB'")
        for batch in range(batches):
            con.execute(
                "insert into marts.fct_big select i, md5((i + ?)::varchar), "
                "md5((i * 3 + ?)::varchar) from range(?) t(i)",
                [batch * 1000, batch, rows],
            )


def test_publication_needs_no_room_for_a_copy(tmp_path, tmpfs):
    # The published file, the build and 1 MB: the copy the publication once wrote (the
    # build's size again) would not fit; a rename needs none.
    folder = tmpfs(tmp_path / "wh", 64 * 1024)
    warehouse = folder / "dean5299.duckdb"
    make_build(folder / "first")
    publish_build(folder / "first", warehouse)
    build = folder / "dean5299.duckdb.building"
    make_build(build, seed=1)
    resize_tmpfs(folder, kb(warehouse) + kb(build) + 1024)
    publish_build(build, warehouse)
    assert sorted(p.name for p in folder.iterdir()) == ["dean5299.duckdb"]
    assert storage_number(warehouse) == PUBLISHED_STORAGE_NUMBER
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select min(a) from marts.fct_big").fetchone() == (
            min(hashlib.md5(str(i + 1).encode()).hexdigest() for i in range(60_000)),
        )


def test_a_full_disk_during_publication_is_one_line_and_changes_nothing(tmp_path, tmpfs):
    folder = tmpfs(tmp_path / "wh", 128 * 1024)
    warehouse = folder / "dean5299.duckdb"
    make_build(folder / "first")
    publish_build(folder / "first", warehouse)
    published = sha(warehouse)
    build = folder / "dean5299.duckdb.building"
    make_build(build, seed=1)
    add_to_wal(build)
    wal = folder / "dean5299.duckdb.building.wal"
    # Room for a third of what the checkpoint writes (about the WAL's size).
    used = kb(warehouse) + kb(build) + kb(wal)
    resize_tmpfs(folder, used + kb(wal) // 3)

    with pytest.raises(DiskFull) as full:
        publish_build(build, warehouse)
    message = str(full.value)
    found = ONE_LINE.match(message)
    assert found, message
    assert Path(found.group(2)) == folder
    # About the WAL's size is missing.
    assert 1 <= int(found.group(1)) <= 2 * kb(wal) // 1000 + 1
    assert is_disk_full(full.value) and full.value.errno == 28
    assert sha(warehouse) == published
    assert build.exists() and wal.exists()  # the build stays for a retry
    assert stat.S_IMODE(warehouse.stat().st_mode) == 0o444

    resize_tmpfs(folder, 128 * 1024)
    publish_build(build, warehouse)
    assert storage_number(warehouse) == PUBLISHED_STORAGE_NUMBER
    assert sha(warehouse) != published
    assert sorted(p.name for p in folder.iterdir()) == ["dean5299.duckdb"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_big").fetchone() == (5 * 60_000,)


def test_a_compaction_that_does_not_fit_is_skipped(tmp_path, tmpfs, monkeypatch):
    import orchestration.publishing as publishing

    monkeypatch.setattr(publishing, "COMPACT_MIN_FREE_BYTES", 1024 * 1024)
    folder = tmpfs(tmp_path / "wh", 64 * 1024)
    warehouse = folder / "dean5299.duckdb"
    build = folder / "dean5299.duckdb.building"
    make_build(build, rows=120_000)
    with duckdb.connect(str(build)) as con:  # half the file: a dropped table's blocks
        con.execute("create table marts.kept as select md5(i::varchar) as a from range(20000) t(i)")
        con.execute("delete from marts.fct_big")
        con.execute("drop table marts.fct_big")
    resize_tmpfs(folder, kb(build) + 256)  # no room for the compact copy
    done = publish_build(build, warehouse)
    assert not done.compacted and done.build_free_bytes > done.size_bytes // 2
    assert sorted(p.name for p in folder.iterdir()) == ["dean5299.duckdb"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.kept").fetchone() == (20000,)


def test_a_full_disk_during_the_parquet_export_keeps_the_old_files(tmp_path, tmpfs):
    make_build(tmp_path / "build")
    warehouse = tmp_path / "dean5299.duckdb"
    publish_build(tmp_path / "build", warehouse)
    folder = tmpfs(tmp_path / "parquet", 32 * 1024)
    (old,) = export_marts_to_parquet(warehouse, folder)
    before = sha(old)
    filler = folder / "filler"
    with filler.open("wb") as handle, contextlib.suppress(OSError):
        while True:  # fill the disk to the last byte
            handle.write(b"\0" * 65536)
    os.truncate(filler, max(0, filler.stat().st_size - 8192))

    with pytest.raises(DiskFull) as full:
        export_marts_to_parquet(warehouse, folder)
    found = ONE_LINE.match(str(full.value))
    assert found and Path(found.group(2)) == folder, str(full.value)
    assert sha(old) == before
    assert sorted(p.name for p in folder.iterdir()) == ["fct_big.parquet", "filler"]


def test_disk_full_report_reads_python_duckdb_and_dbt_wording(tmp_path):
    warehouse = tmp_path / "wh" / "dean5299.duckdb"
    warehouse.parent.mkdir()
    ours = "đĩa đầy: cần thêm ~12 MB tại /srv/kho / disk full: ~12 MB more needed at /srv/kho"
    logged = f"Traceback …\norchestration.publishing.DiskFull: {ours}\n\nStack Trace:"
    assert disk_full_report(warehouse, [logged]) == ours
    python = f"OSError: [Errno 28] No space left on device: '{tmp_path}/raw/batch.parquet'"
    line = disk_full_report(warehouse, ["inbox_ingestion: " + python])
    assert ONE_LINE.match(line) and f"tại {tmp_path}/raw /" in line
    duck = f'IO Error: Could not write file "{warehouse}.building": No space left on device'
    log = tmp_path / "run.log"
    log.write_text(f"12:00:01  Runtime Error in model x\n  {duck}\n", encoding="utf-8")
    line = disk_full_report(warehouse, ["warehouse_models: dbt failed"], log)
    assert ONE_LINE.match(line) and f"tại {warehouse.parent} /" in line
    assert disk_full_report(warehouse, ["warehouse_models: a dbt test failed"]) is None
    assert is_disk_full(RuntimeError(duck)) and not is_disk_full(RuntimeError("other"))


@pytest.mark.slow
def test_a_run_on_a_full_disk_then_the_next_one_after_space_is_freed(
    tmp_path_factory, tmpfs
):
    from test_reports_support import sample_run_once

    probe = tmpfs(tmp_path_factory.mktemp("probe") / "m", 1024)  # skips before the runs
    subprocess.run(["umount", str(probe)], check=True, capture_output=True)
    sample = sample_run_once(tmp_path_factory)
    ws = Workspace(tmp_path_factory.mktemp("disk_full"))
    shutil.copytree(sample.root, ws.root, dirs_exist_ok=True)  # keeps file times
    previous = ws.root / "previous"
    ws.warehouse.parent.rename(previous)
    published = previous / ws.warehouse.name
    size = kb(published)
    # The published file and room for about half a copy: the build or the copy fails.
    folder = tmpfs(ws.warehouse.parent, size + size // 2 + 1024)
    shutil.copy2(published, ws.warehouse)
    before = sha(ws.warehouse)
    env = {**ws.env(), "DEAN5299_RAW_STORE": str(previous / "raw")}

    def run() -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(DEAN5299), "run", "--as-of", "2024-04"],
            env=env, capture_output=True, text=True, timeout=900,
        )

    failed = run()
    assert failed.returncode == 1, failed.stdout[-3000:] + failed.stderr[-3000:]
    assert "Traceback" not in failed.stdout + failed.stderr
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1, failed.stderr
    message = lines[0].removeprefix("Lỗi / error: ")
    found = ONE_LINE.match(message.split(" (log: ")[0])
    assert found, message
    assert Path(found.group(2)) == folder
    assert sha(ws.warehouse) == before  # the published warehouse: not a byte changed
    assert stat.S_IMODE(ws.warehouse.stat().st_mode) == 0o444

    # What a failed run may leave, plus a killed export's and report's temporary files.
    planted = [
        ws.output / "parquet" / ".dim_unit.parquet.tmp",
        ws.output / "2024-03" / ".bao_cao_2024-03.html.tmp",
    ]
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
    old = time.time() - REPORT_TMP_GRACE_SECONDS - 60
    os.utime(planted[1], (old, old))

    resize_tmpfs(folder, 8 * size + 8 * 1024)  # the operator frees space
    done = run()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    leftovers = [
        p.name
        for p in folder.iterdir()
        if p.name.endswith((".building", ".building.wal", ".publishing", ".publishing.wal"))
    ]
    assert leftovers == []
    assert [p for p in planted if p.exists()] == []
    assert storage_number(ws.warehouse) == PUBLISHED_STORAGE_NUMBER
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_indicator_progress").fetchone()[0]

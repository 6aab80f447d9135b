"""Publishing: the checked build, already in a storage format BI drivers read, replaces
the published warehouse in one rename; then every mart is exported to Parquet.

The build file is written in PUBLISHED_STORAGE_VERSION from its first byte
(`create_build_file`; an incremental build starts from a copy of the published file,
which is in that format already): publishing checks the header's storage number (a file
in another format is refused and the published warehouse stays as it was), checkpoints,
fsyncs, makes it read-only and renames it. No copy of the warehouse is written, unless
the build holds so much free space (blocks of dropped tables) that rewriting it is worth
it (`COMPACT_FREE_FRACTION`): then the build is copied into a compact file first.

Readers holding the old warehouse open keep reading it (the rename swaps the
directory entry, not their open file); new connections see the new one; a run
that fails or is killed before the rename leaves the published file as it was.
Between runs the published file is read-only on disk (0o444): BI connects read-only.

A full disk is one `DiskFull` error naming the folder and the space still needed;
what a failed run leaves behind is removed by `remove_leftovers` when the next run
takes the warehouse lock (orchestration/warehouse_lock.py).
"""

from __future__ import annotations

import errno
import math
import os
import re
import shutil
import struct
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

# DuckDB 2.x writes storage format 999 by default, which no 1.x release opens.
# "v1.0.0" writes storage format 64: read by DuckDB 0.10.0 through 1.1.x natively
# and by every later release (newer DuckDB reads older formats).
PUBLISHED_STORAGE_VERSION = "v1.0.0"
PUBLISHED_STORAGE_NUMBER = 64
# Rewrite the build into a compact file only when at least this share of it is free
# blocks (dropped tables' space, which DuckDB reuses but never gives back to the disk)
# and at least COMPACT_MIN_FREE_BYTES: below that, a copy costs more than it saves.
COMPACT_FREE_FRACTION = 0.5
COMPACT_MIN_FREE_BYTES = 64 * 1024 * 1024
_HEADER_MAGIC = b"DUCK"
# The published file's mode between runs: nobody opens it for writing by mistake
# (os.replace over it still works: a rename needs the folder's permission only).
PUBLISHED_MODE = 0o444
# A report's temporary file younger than this may belong to a run still writing its
# report (the lock is released once the warehouse is published): left alone.
REPORT_TMP_GRACE_SECONDS = 600
_NO_SPACE = "No space left on device"
_ERRNO_PATH = re.compile(r"\[Errno 28\] [^:]*: '([^']+)'")
_QUOTED_PATH = re.compile(r'Could not write file "([^"]+)"')


class DiskFull(OSError):
    """The disk holding `path` is full; str() is one line with the space still needed."""

    def __init__(self, path: Path, needed_bytes: int) -> None:
        super().__init__(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        self.path = Path(path)
        self.needed_bytes = max(0, int(needed_bytes))

    def __str__(self) -> str:
        return disk_full_message(self.path, self.needed_bytes)


def disk_full_message(path: Path, needed_bytes: int) -> str:
    megabytes = max(1, math.ceil(needed_bytes / 1_000_000))
    return (
        f"đĩa đầy: cần thêm ~{megabytes} MB tại {path} / disk full: "
        f"~{megabytes} MB more needed at {path}"
    )


def _chain(error: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def is_disk_full(error: BaseException) -> bool:
    """ENOSPC anywhere in the chain, or a DuckDB error saying so (DuckDB raises its own
    IO/transaction errors with the OS message in the text)."""
    return any(
        (isinstance(link, OSError) and link.errno == errno.ENOSPC) or _NO_SPACE in str(link)
        for link in _chain(error)
    )


def path_in_message(text: str) -> Path | None:
    """The file a disk-full message names (Python's or DuckDB's wording), if any."""
    for pattern in (_ERRNO_PATH, _QUOTED_PATH):
        found = pattern.search(text)
        if found:
            return Path(found.group(1))
    return None


def free_bytes(path: Path) -> int:
    """Free space on the file system holding `path` (its nearest existing folder)."""
    folder = Path(path)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if folder.is_file():
        folder = folder.parent
    return shutil.disk_usage(folder).free


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def warehouse_leftovers(warehouse: Path, keep_build: bool = False) -> list[Path]:
    """Files beside the warehouse that only a failed or killed run leaves behind."""
    build = warehouse.with_name(warehouse.name + ".building")
    staged = warehouse.with_name(warehouse.name + ".publishing")
    names = [staged, staged.with_name(staged.name + ".wal")]
    if not keep_build:
        names += [build, build.with_name(build.name + ".wal")]
    return [path for path in names if path.exists()]


def output_leftovers(output: Path, now: float | None = None) -> list[Path]:
    """Temporary files of a killed or failed export (`parquet/.<mart>.parquet.tmp`) and of
    report writers (`.<name>.tmp` anywhere under the output folder, once they are older
    than REPORT_TMP_GRACE_SECONDS)."""
    if not output.is_dir():
        return []
    now = time.time() if now is None else now
    found = list((output / "parquet").glob(".*.parquet.tmp"))
    for path in output.rglob(".*.tmp"):
        if path in found or not path.is_file():
            continue
        try:
            age = now - path.stat().st_mtime
        except OSError:
            continue
        if age >= REPORT_TMP_GRACE_SECONDS:
            found.append(path)
    return found


def remove_leftovers(
    warehouse: Path, output: Path | None = None, keep_build: bool = False
) -> list[Path]:
    """Remove what failed runs left (call it holding the warehouse lock): the build and
    its WAL, the staged copy and its WAL, temporary Parquet and report files. The
    published warehouse is never touched."""
    removed = []
    leftovers = warehouse_leftovers(warehouse, keep_build)
    if output is not None:
        leftovers += output_leftovers(output)
    for path in leftovers:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed


def space_needed_for_run(warehouse: Path) -> int:
    """Bytes still missing beside the warehouse for a run to build and publish: a build
    (about the failed build's size with its WAL, else the published file's, which an
    incremental build starts from a copy of) with room for the tables dbt replaces
    while the old ones are still in the file (half as much again), beyond the free space
    that the next start will have (free now + the leftovers it removes). Publication
    renames the build: no second copy (a compaction that does not fit is skipped)."""
    build = warehouse.with_name(warehouse.name + ".building")
    build_size = _size(build) + _size(build.with_name(build.name + ".wal"))
    copy_size = max(_size(warehouse), 1_000_000)
    reclaimable = sum(_size(path) for path in warehouse_leftovers(warehouse))
    needed = int(1.5 * max(build_size, copy_size))
    return max(0, needed - free_bytes(warehouse.parent) - reclaimable)


def storage_number(database: Path) -> int:
    """The storage format number in a DuckDB file's header (bytes 8-11 'DUCK', 12-19)."""
    with open(database, "rb") as handle:
        header = handle.read(20)
    if len(header) < 20 or header[8:12] != _HEADER_MAGIC:
        raise ValueError(f"{database} is not a DuckDB database file")
    return struct.unpack("<Q", header[12:20])[0]


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def create_build_file(path: Path) -> None:
    """An empty DuckDB file in PUBLISHED_STORAGE_VERSION, where dbt (or the Spark loader)
    builds: DuckDB keeps an existing file's storage version whoever opens it later, so
    the finished build is publishable as it is."""
    for stale in (path, _wal(path)):
        stale.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    config = {"storage_compatibility_version": PUBLISHED_STORAGE_VERSION}
    with duckdb.connect(str(path), config=config):
        pass
    check_storage(path)


def check_storage(database: Path) -> None:
    """Refuse a file whose header is not PUBLISHED_STORAGE_NUMBER (a build made by some
    other writer, or by a DuckDB that upgraded it): 1.x BI drivers would not open it."""
    found = storage_number(database)
    if found != PUBLISHED_STORAGE_NUMBER:
        raise RuntimeError(
            f"{database} has storage format {found}, expected {PUBLISHED_STORAGE_NUMBER} "
            f"({PUBLISHED_STORAGE_VERSION}); not published, the published warehouse is "
            "unchanged"
        )


def checkpoint(database: Path) -> int:
    """Write everything into the file itself (nothing may stay in a WAL beside it: the
    rename moves the file alone); returns the bytes of free blocks it holds."""
    with duckdb.connect(str(database)) as con:
        con.execute("checkpoint")
        block_size, free_blocks = con.execute(
            "select block_size, free_blocks from pragma_database_size() "
            "where database_name = current_database()"
        ).fetchone()
    if _wal(database).exists():
        raise RuntimeError(f"{_wal(database)} is still there after a checkpoint; not published")
    return int(block_size) * int(free_blocks)


def copy_to_storage_version(source: Path, target: Path, version: str) -> None:
    """Copy every schema, table and view of `source` into a new file in `version`
    (compaction: only the live blocks are written)."""
    for stale in (target, _wal(target)):
        stale.unlink(missing_ok=True)
    with duckdb.connect() as con:
        con.execute(f"attach {_sql_path(source)} as dean5299_build (read_only)")
        con.execute(
            f"attach {_sql_path(target)} as dean5299_published (storage_version '{version}')"
        )
        con.execute("copy from database dean5299_build to dean5299_published")
        # Detaching checkpoints: everything is in the file, no WAL left beside it.
        con.execute("detach dean5299_published")


@dataclass(frozen=True)
class Publication:
    """What publishing did: the published file's size, the free space the build held,
    whether it was rewritten compactly (else renamed as it was)."""

    size_bytes: int
    build_free_bytes: int
    compacted: bool


def worth_compacting(size: int, free: int) -> bool:
    return free >= COMPACT_MIN_FREE_BYTES and free >= COMPACT_FREE_FRACTION * size


def _compact(build_db: Path, staged: Path) -> bool:
    """The build copied into `staged` without its free blocks; False (and nothing left)
    when the disk cannot hold the copy: the build is then published as it is."""
    try:
        copy_to_storage_version(build_db, staged, PUBLISHED_STORAGE_VERSION)
        return True
    except Exception as error:
        for partial in (staged, _wal(staged)):
            partial.unlink(missing_ok=True)
        if is_disk_full(error):
            return False
        raise


def publish_build(build_db: Path, warehouse: Path) -> Publication:
    """Checkpoint the checked build (in PUBLISHED_STORAGE_VERSION already), fsync it, make
    it read-only and rename it over the warehouse (atomic on one file system: the build
    lives beside the warehouse). A build in another storage format is refused."""
    if not build_db.exists():
        raise FileNotFoundError(f"no warehouse build at {build_db}")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    staged = warehouse.with_name(warehouse.name + ".publishing")
    check_storage(build_db)
    wal_size = _size(_wal(build_db))
    try:
        free = checkpoint(build_db)
    except Exception as error:
        if not is_disk_full(error):
            raise
        # Only the checkpoint writes here: it needs about the WAL's size. The build (and
        # its WAL) stay for a retry; the published file is untouched.
        needed = int(max(wal_size, 1_000_000) * 1.05) - free_bytes(warehouse.parent)
        raise DiskFull(warehouse.parent, needed) from error
    for stale in (staged, _wal(staged)):  # a killed compaction's half copy
        stale.unlink(missing_ok=True)
    size = _size(build_db)
    compacted = worth_compacting(size, free) and _compact(build_db, staged)
    source = staged if compacted else build_db
    check_storage(source)
    _fsync(source)
    os.chmod(source, PUBLISHED_MODE)
    os.replace(source, warehouse)
    _fsync(warehouse.parent)  # the rename itself survives a crash
    build_db.unlink(missing_ok=True)
    return Publication(_size(warehouse), free, compacted)


def write_parquet(table, path: Path) -> None:
    """One Arrow table as Parquet, the same bytes for the same rows: one row group per
    1 Mi rows whatever the chunks, zstd, no statistics that depend on anything else;
    the footer carries only the writer's version (no time, no path)."""
    pq.write_table(
        table.combine_chunks(),
        path,
        compression="zstd",
        row_group_size=1 << 20,
        use_dictionary=True,
        write_statistics=True,
        store_schema=True,
    )


def export_marts_to_parquet(warehouse: Path, folder: Path) -> list[Path]:
    """Every marts table as <folder>/<table>.parquet (pyarrow), each replaced atomically;
    files of tables no longer in marts are removed.

    Rows are ordered by every column in table order (`order by all`): a mart's key
    columns come first (CONTRACT §6), so identical runs give identical rows in identical
    order, and identical bytes for a mart that holds no run timestamp."""
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob(".*.parquet.tmp"):  # from a run killed mid-export
        leftover.unlink()
    written = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # Timestamps with time zone leave as UTC instants, whatever the machine's zone.
        con.execute("set TimeZone = 'UTC'")
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' and table_type = 'BASE TABLE' order by table_name"
            ).fetchall()
        ]
        for table in tables:
            target = folder / f"{table}.parquet"
            tmp = folder / f".{table}.parquet.tmp"
            arrow_table = con.sql(
                f'select * from marts."{table}" order by all'
            ).to_arrow_table()
            try:
                write_parquet(arrow_table, tmp)
                os.replace(tmp, target)
            except OSError as error:
                tmp.unlink(missing_ok=True)
                if not is_disk_full(error):
                    raise
                needed = arrow_table.nbytes - free_bytes(folder)
                raise DiskFull(folder, needed) from error
            written.append(target)
    for stale in folder.glob("*.parquet"):
        if stale not in written:
            stale.unlink()
    return written


_DISK_FULL_LINE = re.compile(
    r"đĩa đầy: cần thêm ~\d+ MB tại .+? / disk full: ~\d+ MB more needed at [^\n'\"]+"
)


def _same_disk(path: Path, other: Path) -> bool:
    def device(p: Path) -> int | None:
        while not p.exists() and p != p.parent:
            p = p.parent
        try:
            return p.stat().st_dev
        except OSError:
            return None

    return device(path) == device(other)


def disk_full_report(
    warehouse: Path, texts: Iterable[str] = (), log_path: Path | None = None
) -> str | None:
    """The one line for a run that failed on a full disk, or None when it did not.

    Looks at the failures' texts and the run's log (dbt reports its own disk errors in
    its output): a `DiskFull` line is used as it is; another "No space left on device"
    names the folder of the file it mentions (else the warehouse's) and the space a run
    needs there."""
    chunks = [text for text in texts if text]
    if log_path is not None:
        try:
            chunks.append(log_path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            pass
    for text in chunks:
        found = _DISK_FULL_LINE.search(text)
        if found:
            return found.group(0).rstrip(" .,;")
    for text in chunks:
        if _NO_SPACE in text or "[Errno 28]" in text:
            mentioned = path_in_message(text)
            folder = mentioned.parent if mentioned is not None else warehouse.parent
            if _same_disk(folder, warehouse.parent):
                needed = space_needed_for_run(warehouse)
            else:
                needed = 0
            return disk_full_message(folder, needed)
    return None

"""Publishing: the checked build, in a storage format BI drivers read, replaces the
published warehouse in one rename; then every mart is exported to Parquet.

Readers holding the old warehouse open keep reading it (the rename swaps the
directory entry, not their open file); new connections see the new one; a run
that fails or is killed before the rename leaves the published file as it was.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

# DuckDB 2.x writes storage format 999 by default, which no 1.x release opens.
# "v1.0.0" writes storage format 64: read by DuckDB 0.10.0 through 1.1.x natively
# and by every later release (newer DuckDB reads older formats).
PUBLISHED_STORAGE_VERSION = "v1.0.0"
PUBLISHED_STORAGE_NUMBER = 64
_HEADER_MAGIC = b"DUCK"


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


def copy_to_storage_version(source: Path, target: Path, version: str) -> None:
    """Copy every schema, table and view of `source` into a new file in `version`."""
    for stale in (target, target.with_name(target.name + ".wal")):
        stale.unlink(missing_ok=True)
    with duckdb.connect() as con:
        con.execute(f"attach {_sql_path(source)} as dean5299_build (read_only)")
        con.execute(
            f"attach {_sql_path(target)} as dean5299_published (storage_version '{version}')"
        )
        con.execute("copy from database dean5299_build to dean5299_published")
        # Detaching checkpoints: everything is in the file, no WAL left beside it.
        con.execute("detach dean5299_published")


def publish_build(build_db: Path, warehouse: Path) -> None:
    """Copy the checked build into a 1.x-readable file beside the warehouse, then rename it
    over the warehouse (atomic on one file system). The build is removed afterwards."""
    if not build_db.exists():
        raise FileNotFoundError(f"no warehouse build at {build_db}")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    staged = warehouse.with_name(warehouse.name + ".publishing")
    copy_to_storage_version(build_db, staged, PUBLISHED_STORAGE_VERSION)
    found = storage_number(staged)
    if found != PUBLISHED_STORAGE_NUMBER:
        raise RuntimeError(
            f"{staged} has storage format {found}, expected {PUBLISHED_STORAGE_NUMBER} "
            f"({PUBLISHED_STORAGE_VERSION}); the published warehouse is unchanged"
        )
    _fsync(staged)
    os.replace(staged, warehouse)
    _fsync(warehouse.parent)  # the rename itself survives a crash
    build_db.unlink(missing_ok=True)


def export_marts_to_parquet(warehouse: Path, folder: Path) -> list[Path]:
    """Every marts table as <folder>/<table>.parquet (pyarrow), each replaced atomically;
    files of tables no longer in marts are removed."""
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
            arrow_table = con.sql(f'select * from marts."{table}"').to_arrow_table()
            pq.write_table(arrow_table, tmp, compression="zstd")
            os.replace(tmp, target)
            written.append(target)
    for stale in folder.glob("*.parquet"):
        if stale not in written:
            stale.unlink()
    return written


def province_progress_markdown(warehouse: Path, as_of: str) -> str:
    """A preview table of the province's progress, for the asset's metadata in the UI."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select p.indicator_code,
                   strftime(p.window_start, '%Y-%m') || '..' || strftime(p.window_end, '%Y-%m'),
                   p.numerator, p.denominator, round(p.actual_value, 2), p.target_value,
                   round(p.achievement_pct, 2)
            from marts.fct_indicator_progress p
            join marts.dim_unit u on u.unit_code = p.unit_code and u.level = 'province'
            where p.as_of = strptime(? || '-01', '%Y-%m-%d')::date
            order by 1, 2
            """,
            [as_of],
        ).fetchall()
    header = (
        "| chỉ tiêu | kỳ | tử số | mẫu số | kết quả | chỉ tiêu giao | % đạt |\n"
        "|---|---|---|---|---|---|---|\n"
    )
    return header + "\n".join(
        "| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows
    )

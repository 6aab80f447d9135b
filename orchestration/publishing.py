"""Publishing: the checked build replaces the published warehouse in one rename."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb


def publish_build(build_db: Path, warehouse: Path) -> None:
    """Readers holding the old file keep reading it; new connections see the new one."""
    if not build_db.exists():
        raise FileNotFoundError(f"no warehouse build at {build_db}")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    os.replace(build_db, warehouse)


def export_marts_to_parquet(warehouse: Path, folder: Path) -> list[Path]:
    """Every marts table as <folder>/<table>.parquet, each replaced atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' order by table_name"
            ).fetchall()
        ]
        for table in tables:
            target = folder / f"{table}.parquet"
            tmp = folder / f".{table}.parquet.tmp"
            con.execute(f"copy marts.{table} to '{tmp}' (format parquet)")
            os.replace(tmp, target)
            written.append(target)
    return written


def province_progress_markdown(warehouse: Path, as_of: str) -> str:
    """A preview table of the province's progress, for the asset's metadata in the UI."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select p.indicator_code, strftime(p.window_start, '%Y-%m') || '..' || strftime(p.window_end, '%Y-%m'),
                   p.numerator, p.denominator, round(p.actual_value, 2), p.target_value, round(p.achievement_pct, 2)
            from marts.fct_indicator_progress p
            join marts.dim_unit u on u.unit_code = p.unit_code and u.level = 'province'
            where p.as_of = strptime(? || '-01', '%Y-%m-%d')::date
            order by 1, 2
            """,
            [as_of],
        ).fetchall()
    header = "| chỉ tiêu | kỳ | tử số | mẫu số | kết quả | chỉ tiêu giao | % đạt |\n|---|---|---|---|---|---|---|\n"
    return header + "\n".join("| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows)

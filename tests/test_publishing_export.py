"""Parquet exports in a stable order and the published file's read-only mode (issue #14),
on small real DuckDB files: no pipeline needed."""

import hashlib
import os
import stat

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.publishing import (
    PUBLISHED_MODE,
    PUBLISHED_STORAGE_NUMBER,
    create_build_file,
    export_marts_to_parquet,
    publish_build,
    storage_number,
    write_parquet,
)

ROWS = 3000
# Every type a mart holds, NULLs included; (unit_code, period) is the key.
MART = """
    select 'U' || lpad((i % 97)::varchar, 3, '0') as unit_code,
           (date '2022-01-01' + to_months((i // 97)::int))::date as period,
           case when i % 7 = 0 then null else i * 1.5 end as actual_value,
           i::bigint as numerator,
           i % 2 = 0 as is_late,
           timestamptz '2024-04-10 08:00:00+07' + to_seconds(i) as received_at,
           case when i % 5 = 0 then null else 'ghi chú ' || i end as note
    from range({rows}) t(i)
"""


def make_build(path, order: str, batches: int = 1, run_stamp: bool = False) -> None:
    """The same rows, inserted in `order` ('asc'/'desc'/'shuffled') and in `batches`
    statements: what differs between two dbt runs is the physical row order. In the file
    orchestration creates for a build (the published storage format)."""
    create_build_file(path)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("set threads = 1")
        rows = f"select * from ({MART.format(rows=ROWS)})"
        ordering = {
            "asc": "order by numerator",
            "desc": "order by numerator desc",
            "shuffled": "order by hash(numerator)",
        }[order]
        con.execute(f"create table marts.fct_x as {rows} {ordering} limit 0")
        step = ROWS // batches
        for start in range(0, ROWS, step):
            con.execute(
                f"insert into marts.fct_x {rows} where numerator >= {start} "
                f"and numerator < {start + step} {ordering}"
            )
        con.execute(
            "create table marts.dim_y as select unit_code, min(period) as first_period "
            f"from marts.fct_x group by unit_code {ordering.replace('numerator', 'unit_code')}"
        )
        if run_stamp:  # a mart that records its run's moment
            con.execute(
                "create table marts.fct_runs as select unit_code, now() as built_at "
                "from marts.dim_y"
            )


def export(tmp_path, name: str, order: str, batches: int = 1, run_stamp: bool = False):
    build, warehouse = tmp_path / f"{name}.building", tmp_path / f"{name}.duckdb"
    make_build(build, order, batches, run_stamp)
    publish_build(build, warehouse)
    folder = tmp_path / f"{name}_parquet"
    return {path.name: path for path in export_marts_to_parquet(warehouse, folder)}


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_same_rows_in_another_physical_order_give_the_same_bytes(tmp_path):
    first = export(tmp_path, "a", "asc")
    second = export(tmp_path, "b", "desc", batches=3)
    third = export(tmp_path, "c", "shuffled", batches=7)
    assert sorted(first) == ["dim_y.parquet", "fct_x.parquet"]
    for name in first:
        assert digest(first[name]) == digest(second[name]) == digest(third[name]), name


def test_rows_leave_ordered_by_key_then_every_column(tmp_path):
    files = export(tmp_path, "a", "shuffled", batches=4)
    table = pq.read_table(files["fct_x.parquet"])
    keys = list(zip(table["unit_code"].to_pylist(), table["period"].to_pylist(), strict=True))
    assert keys == sorted(keys)
    assert len(set(keys)) == ROWS


def test_a_mart_with_a_run_timestamp_keeps_its_row_order(tmp_path):
    first = export(tmp_path, "a", "asc", run_stamp=True)
    second = export(tmp_path, "b", "shuffled", batches=5, run_stamp=True)
    one, two = (pq.read_table(files["fct_runs.parquet"]) for files in (first, second))
    assert one["unit_code"].to_pylist() == two["unit_code"].to_pylist()
    assert one["built_at"] != two["built_at"]  # the run's moment differs, nothing else
    assert digest(first["fct_x.parquet"]) == digest(second["fct_x.parquet"])


def test_pyarrow_writes_the_same_bytes_twice(tmp_path):
    files = export(tmp_path, "a", "asc")
    table = pq.read_table(files["fct_x.parquet"])
    chunked = table.slice(0, 100).to_batches() + table.slice(100).to_batches()
    import pyarrow as pa

    write_parquet(table, tmp_path / "one.parquet")
    write_parquet(pa.Table.from_batches(chunked), tmp_path / "two.parquet")
    assert digest(tmp_path / "one.parquet") == digest(tmp_path / "two.parquet")
    assert digest(tmp_path / "one.parquet") == digest(files["fct_x.parquet"])
    metadata = pq.read_metadata(tmp_path / "one.parquet")
    assert metadata.created_by.startswith("parquet-cpp-arrow version")  # no time, no host
    assert set(metadata.metadata or {}) <= {b"ARROW:schema"}


def test_the_published_file_is_read_only_on_disk_and_still_replaceable(tmp_path):
    warehouse = tmp_path / "pub" / "w.duckdb"
    make_build(tmp_path / "first", "asc")
    publish_build(tmp_path / "first", warehouse)
    assert stat.S_IMODE(warehouse.stat().st_mode) == PUBLISHED_MODE == 0o444
    reader = duckdb.connect(str(warehouse), read_only=True)  # what BI does
    try:
        make_build(tmp_path / "second", "desc")
        publish_build(tmp_path / "second", warehouse)  # os.replace over a 0o444 file
        assert reader.execute("select count(*) from marts.fct_x").fetchone() == (ROWS,)
    finally:
        reader.close()
    assert stat.S_IMODE(warehouse.stat().st_mode) == 0o444
    assert storage_number(warehouse) == PUBLISHED_STORAGE_NUMBER
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_y").fetchone() == (97,)
    with duckdb.connect() as con:  # ATTACH … (READ_ONLY), as docs/bi.md says
        con.execute(f"attach '{warehouse}' as dean5299 (read_only)")
        assert con.execute("select count(*) from dean5299.marts.fct_x").fetchone() == (ROWS,)
    assert sorted(p.name for p in warehouse.parent.iterdir()) == ["w.duckdb"]


@pytest.mark.skipif(os.geteuid() != 0, reason="a non-root writer is refused by the mode itself")
def test_the_mode_bits_say_no_one_writes(tmp_path):
    # As root permissions do not bite; what a non-root BI user meets is the mode bits.
    warehouse = tmp_path / "w.duckdb"
    make_build(tmp_path / "b", "asc")
    publish_build(tmp_path / "b", warehouse)
    mode = warehouse.stat().st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert mode & stat.S_IRUSR and mode & stat.S_IRGRP and mode & stat.S_IROTH

"""Publishing without a pipeline: storage format, atomic replacement, Parquet export."""

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.publishing import (
    PUBLISHED_STORAGE_NUMBER,
    export_marts_to_parquet,
    publish_build,
    storage_number,
)


def make_build(path, rows: int, label: str) -> None:
    """A build file as dbt leaves it: written by the pinned DuckDB in its default format."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_unit as select 'U' || i as unit_code, ? as unit_name, "
            "(date '2024-01-01' + to_months(i::int))::date as period, now() as received_at "
            "from range(?) t(i)",
            [label, rows],
        )
        con.execute("create schema staging")
        con.execute("create view staging.v as select count(*) as n from marts.dim_unit")


def test_the_pinned_duckdb_writes_a_format_1x_cannot_read(tmp_path):
    # Why publishing converts at all: the build's own header is not 64.
    make_build(tmp_path / "b.duckdb", 1, "x")
    assert storage_number(tmp_path / "b.duckdb") != PUBLISHED_STORAGE_NUMBER


def test_publish_converts_renames_and_removes_the_build(tmp_path):
    build, warehouse = tmp_path / "w.duckdb.building", tmp_path / "pub" / "w.duckdb"
    make_build(build, 3, "new")
    (tmp_path / "pub").mkdir()
    (tmp_path / "pub" / "w.duckdb.publishing").write_text("left by a killed run")
    publish_build(build, warehouse)
    assert storage_number(warehouse) == PUBLISHED_STORAGE_NUMBER
    assert not build.exists()
    assert sorted(p.name for p in warehouse.parent.iterdir()) == ["w.duckdb"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*), min(unit_name) from marts.dim_unit").fetchone() == (
            3,
            "new",
        )
        assert con.execute("select n from staging.v").fetchone() == (3,)


def test_an_open_reader_keeps_its_snapshot_across_publication(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    make_build(tmp_path / "first", 2, "old")
    publish_build(tmp_path / "first", warehouse)
    reader = duckdb.connect(str(warehouse), read_only=True)
    try:
        make_build(tmp_path / "second", 5, "new")
        publish_build(tmp_path / "second", warehouse)  # no lock conflict with the reader
        assert reader.execute("select count(*), min(unit_name) from marts.dim_unit").fetchone() == (
            2,
            "old",
        )
    finally:
        reader.close()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*), min(unit_name) from marts.dim_unit").fetchone() == (
            5,
            "new",
        )


def test_missing_build_changes_nothing(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    warehouse.write_bytes(b"published")
    with pytest.raises(FileNotFoundError):
        publish_build(tmp_path / "absent", warehouse)
    assert warehouse.read_bytes() == b"published"


def test_storage_number_rejects_other_files(tmp_path):
    (tmp_path / "x").write_bytes(b"not a database at all")
    with pytest.raises(ValueError):
        storage_number(tmp_path / "x")


def test_parquet_export_replaces_and_prunes(tmp_path):
    warehouse, folder = tmp_path / "w.duckdb", tmp_path / "parquet"
    make_build(tmp_path / "b", 4, "x")
    publish_build(tmp_path / "b", warehouse)
    folder.mkdir()
    (folder / "dropped_mart.parquet").write_bytes(b"old")
    (folder / ".dim_unit.parquet.tmp").write_bytes(b"half")
    written = export_marts_to_parquet(warehouse, folder)
    assert [p.name for p in written] == ["dim_unit.parquet"]
    assert sorted(p.name for p in folder.iterdir()) == ["dim_unit.parquet"]
    table = pq.read_table(folder / "dim_unit.parquet")
    assert table.num_rows == 4
    assert str(table.schema.field("period").type) == "date32[day]"
    assert str(table.schema.field("received_at").type) == "timestamp[us, tz=UTC]"

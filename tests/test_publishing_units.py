"""Publishing without a pipeline: storage format, atomic replacement, Parquet export."""

import os

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml

from orchestration.publishing import (
    PUBLISHED_STORAGE_NUMBER,
    PUBLISHED_STORAGE_VERSION,
    create_build_file,
    export_marts_to_parquet,
    publish_build,
    storage_number,
)
from orchestration.settings import DBT_PROJECT_DIR


def make_build(path, rows: int, label: str, fresh: bool = True) -> None:
    """A build file as dbt leaves it: the file orchestration creates (fresh), then written
    by the pinned DuckDB with its default settings."""
    if fresh:
        create_build_file(path)
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
    # Why the build file is created in the published format: left to itself, the pinned
    # DuckDB writes a header 1.x drivers refuse; once created, the file keeps its format.
    make_build(tmp_path / "b.duckdb", 1, "x", fresh=False)
    assert storage_number(tmp_path / "b.duckdb") != PUBLISHED_STORAGE_NUMBER
    make_build(tmp_path / "c.duckdb", 1, "x")
    assert storage_number(tmp_path / "c.duckdb") == PUBLISHED_STORAGE_NUMBER


def test_dbt_creates_new_files_in_the_published_format():
    # dbt run by hand (no file created first) writes what publishing accepts.
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    options = profile["dean5299"]["outputs"]["build"]["config_options"]
    assert options["storage_compatibility_version"] == PUBLISHED_STORAGE_VERSION


def test_a_build_in_another_format_is_refused_and_nothing_changes(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    make_build(tmp_path / "first", 2, "old")
    publish_build(tmp_path / "first", warehouse)
    published = warehouse.read_bytes()
    make_build(tmp_path / "other", 5, "new", fresh=False)  # the pinned DuckDB's own format
    with pytest.raises(RuntimeError, match=f"expected {PUBLISHED_STORAGE_NUMBER}"):
        publish_build(tmp_path / "other", warehouse)
    assert warehouse.read_bytes() == published
    assert (tmp_path / "other").exists()  # a leftover for the next run to remove
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other", "w.duckdb"]


def test_publish_renames_the_build_itself(tmp_path):
    # No copy: the published file is the build's inode, read-only, every table in it.
    build, warehouse = tmp_path / "w.duckdb.building", tmp_path / "w.duckdb"
    make_build(build, 3, "new")
    inode = build.stat().st_ino
    publish_build(build, warehouse)
    assert warehouse.stat().st_ino == inode
    assert oct(warehouse.stat().st_mode & 0o777) == "0o444"
    assert not build.exists() and not os.path.exists(f"{warehouse}.wal")


def test_a_wal_left_beside_the_build_is_in_the_published_file(tmp_path):
    # The rename moves one file: what a writer left in the WAL is checkpointed first.
    build, warehouse = tmp_path / "w.duckdb.building", tmp_path / "w.duckdb"
    make_build(build, 3, "new")
    with duckdb.connect(str(build)) as con:
        con.execute("pragma disable_checkpoint_on_shutdown")
        con.execute("set checkpoint_threshold = '1GB'")
        con.execute("insert into marts.dim_unit select 'late', 'wal', date '2024-01-01', now()")
    assert os.path.getsize(f"{build}.wal") > 0
    publish_build(build, warehouse)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_unit").fetchone() == (4,)


def test_a_build_mostly_free_space_is_compacted_else_renamed(tmp_path, monkeypatch):
    import orchestration.publishing as publishing

    monkeypatch.setattr(publishing, "COMPACT_MIN_FREE_BYTES", 1024 * 1024)
    build, warehouse = tmp_path / "w.duckdb.building", tmp_path / "w.duckdb"
    make_build(build, 3, "new")
    with duckdb.connect(str(build)) as con:  # a dropped table's blocks stay in the file
        con.execute(
            "create table marts.scratch as select md5(i::varchar) as a from range(600000) t(i)"
        )
        con.execute("checkpoint")
        # A table written after it: the dropped blocks are inside the file, not at its end
        # (DuckDB truncates free blocks at the end).
        con.execute(
            "create table marts.kept as select md5(i::varchar) as a from range(100000) t(i)"
        )
        con.execute("drop table marts.scratch")
    before = build.stat().st_size
    done = publish_build(build, warehouse)
    assert done.compacted and done.build_free_bytes > before // 2
    assert done.size_bytes == warehouse.stat().st_size < before // 2
    assert storage_number(warehouse) == PUBLISHED_STORAGE_NUMBER
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_unit").fetchone() == (3,)
        assert con.execute("select n from staging.v").fetchone() == (3,)
        assert con.execute("select count(*) from marts.kept").fetchone() == (100000,)

    make_build(build, 3, "again")  # little free space: renamed as it is
    inode = build.stat().st_ino
    done = publish_build(build, warehouse)
    assert not done.compacted and warehouse.stat().st_ino == inode


def test_publish_replaces_a_leftover_and_removes_the_build(tmp_path):
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

"""The same dbt project on Apache Spark, proven equal to DuckDB (issue #20, docs/engines.md).

Each case runs the whole pipeline through the real CLI twice: first with
DEAN5299_ENGINE=spark (dbt-spark, session method, local[2]), then on DuckDB over a copy of
the raw store that the Spark run ingested (the same rows with the same `ingested_at`;
without the publication the Spark run's report appended, which its own build had not
seen either). Every mart published as Parquet (<output>/parquet/<mart>.parquet) is then
compared: the same files, the same columns with the same Arrow types, the same rows,
exact for counts, text, dates and flags, floats to 1e-9, timestamps as UTC instants.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import DEAN5299, Workspace
from test_reports_support import copy_sample, reform_generator

from orchestration.preflight import PreflightError, check_engine

PLACEHOLDER_PREFIX = "pub-00000000T000000"  # the schema-only file of an empty log
RUN_TIMEOUT_SECONDS = 1800


def _spark_missing() -> str | None:
    try:
        check_engine({**os.environ, "DEAN5299_ENGINE": "spark"})
    except PreflightError as error:
        return str(error)
    return None


needs_spark = pytest.mark.skipif(
    _spark_missing() is not None, reason=f"no Spark here: {_spark_missing()}"
)


def prepare_reform(ws: Workspace) -> Workspace:
    reform_generator().generate(ws.root)  # reference/, inbox/ with receipt times, golden.json
    return ws


CASES = {
    "sample": (copy_sample, "2024-04"),
    "reform": (prepare_reform, "2025-09"),
}


def raw_store(ws: Workspace) -> Path:
    return ws.warehouse.parent / "raw"


def copy_raw_store_without_publications(source: Path, target: Path) -> None:
    shutil.copytree(source, target)
    for log in ("publications", "published_figures"):
        for path in (target / log).glob("*.parquet"):
            if not path.name.startswith(PLACEHOLDER_PREFIX):
                path.unlink()


def run_engine(ws: Workspace, engine: str, as_of: str) -> float:
    ws.extra_env["DEAN5299_ENGINE"] = engine
    started = time.monotonic()
    # Not ws.run_cli: a Spark run takes minutes (the JVM, then ~230 dbt nodes as Spark jobs).
    result = subprocess.run(
        [str(DEAN5299), "run", "--as-of", as_of],
        env=ws.env(), capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, (engine, result.stdout[-3000:] + result.stderr[-3000:])
    return elapsed


def _sort_key(row: tuple) -> tuple:
    # None first; floats rounded so that a last-bit difference cannot reorder rows.
    return tuple(
        (value is not None, round(value, 6) if isinstance(value, float) else value)
        for value in row
    )


def _same(left, right) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(left, datetime) and isinstance(right, datetime):
        return left == right  # aware datetimes: the same instant, whatever the zone
    return left == right and type(left) is type(right)


def mart_differences(spark_file: Path, duckdb_file: Path) -> list[str]:
    spark, duck = pq.read_table(spark_file), pq.read_table(duckdb_file)
    name = spark_file.stem
    if spark.schema != duck.schema:
        return [f"{name}: columns differ\n spark: {spark.schema}\n duckdb: {duck.schema}"]
    spark_rows = sorted((tuple(r.values()) for r in spark.to_pylist()), key=_sort_key)
    duck_rows = sorted((tuple(r.values()) for r in duck.to_pylist()), key=_sort_key)
    if len(spark_rows) != len(duck_rows):
        return [f"{name}: {len(spark_rows)} rows on Spark, {len(duck_rows)} on DuckDB"]
    problems = []
    for spark_row, duck_row in zip(spark_rows, duck_rows, strict=True):
        if not all(_same(a, b) for a, b in zip(spark_row, duck_row, strict=True)):
            problems.append(f"{name}: spark {spark_row} != duckdb {duck_row}")
    return problems[:5]


def compare_published_marts(spark_ws: Workspace, duckdb_ws: Workspace) -> dict[str, int]:
    spark_files = {p.name: p for p in (spark_ws.output / "parquet").glob("*.parquet")}
    duckdb_files = {p.name: p for p in (duckdb_ws.output / "parquet").glob("*.parquet")}
    assert spark_files.keys() == duckdb_files.keys()
    assert "fct_indicator_progress.parquet" in spark_files
    problems = []
    for name in sorted(spark_files):
        problems += mart_differences(spark_files[name], duckdb_files[name])
    assert not problems, "\n".join(problems)
    return {name[: -len(".parquet")]: pq.read_metadata(path).num_rows
            for name, path in sorted(spark_files.items())}


def test_the_comparison_sees_a_changed_value_a_type_and_a_missing_row(tmp_path):
    # The proof below is only as good as this comparison: it must fail on a difference.
    import pyarrow as pa

    def write(name: str, table) -> Path:
        path = tmp_path / name
        pq.write_table(table, path)
        return path

    base = pa.table({"unit_code": ["A", "B"], "rate": [8.457, 87.36], "n": [1, 2]})
    same = write("same.parquet", pa.table({
        "unit_code": ["B", "A"], "rate": [87.36 * (1 + 1e-12), 8.457], "n": [2, 1]}))
    changed = write("changed.parquet", base.set_column(1, "rate", pa.array([8.457, 87.37])))
    widened = write("widened.parquet", base.set_column(
        2, "n", pa.array([1, 2], type=pa.int32())))
    shorter = write("shorter.parquet", base.slice(0, 1))
    original = write("original.parquet", base)
    assert mart_differences(original, same) == []
    assert "87.37" in mart_differences(original, changed)[0]
    assert "columns differ" in mart_differences(original, widened)[0]
    assert "2 rows on Spark, 1 on DuckDB" in mart_differences(original, shorter)[0]


@pytest.mark.slow
@needs_spark
@pytest.mark.parametrize("case", sorted(CASES))
def test_spark_builds_the_same_marts_as_duckdb(case, tmp_path, dbt_manifest, record_property):
    prepare, as_of = CASES[case]
    spark_ws = prepare(Workspace(tmp_path / "spark"))
    spark_seconds = run_engine(spark_ws, "spark", as_of)
    # Spark's tables and catalog beside the warehouse; its export went into the build file.
    assert (spark_ws.warehouse.parent / "spark-warehouse" / "marts.db").is_dir()

    duckdb_ws = prepare(Workspace(tmp_path / "duckdb"))
    copy_raw_store_without_publications(raw_store(spark_ws), raw_store(duckdb_ws))
    duckdb_seconds = run_engine(duckdb_ws, "duckdb", as_of)
    assert not (duckdb_ws.warehouse.parent / "spark-warehouse").exists()

    rows = compare_published_marts(spark_ws, duckdb_ws)
    # Equal and not empty: the sample's marts hold what the report printed.
    assert rows["fct_indicator_progress"] > 0 and rows["fct_measure_monthly"] > 0
    record_property("spark_seconds", round(spark_seconds, 1))
    record_property("duckdb_seconds", round(duckdb_seconds, 1))
    print(
        f"\n{case}: Spark run {spark_seconds:.0f} s, DuckDB run {duckdb_seconds:.0f} s, "
        f"{len(rows)} marts equal, {sum(rows.values())} rows"
    )

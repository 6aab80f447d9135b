"""The Spark engine (DEAN5299_ENGINE=spark, docs/engines.md): dbt-spark builds the same
models; what it built comes back into the build's DuckDB file.

dbt's on-run-end hook (dbt_project/macros/spark_sources.sql) writes every model and
seed the run built as Parquet, `<export>/<schema>/<name>/`. `load_spark_export` copies
them, table by table, into the fresh build file (`PipelinePaths.build_db`), so
everything after dbt — the GX checks, publication, the marts' Parquet export, the
reports, the CLI's summary — reads the same DuckDB file whichever engine built it.
Spark writes its tables in `<warehouse folder>/spark-warehouse/` (with the `hive` catalog,
its Derby catalog too).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

ENGINE_VARIABLE = "DEAN5299_ENGINE"
# Spark's JVM logs errors only (it warns at every statement dbt sends otherwise).
SPARK_LOG4J = Path(__file__).resolve().parents[1] / "dbt_project" / "spark-log4j2.properties"


def selected_engine(env: Mapping[str, str] | None = None) -> str:
    """`duckdb` (the default) or `spark`; orchestration/preflight.py refuses the rest."""
    env = os.environ if env is None else env
    return (env.get(ENGINE_VARIABLE) or "duckdb").strip().lower()


def spark_warehouse_dir(warehouse: Path) -> Path:
    """Spark's tables and its (Derby) catalog, beside the published DuckDB file."""
    return warehouse.parent / "spark-warehouse"


def spark_export_dir(warehouse: Path) -> Path:
    """Where dbt's on-run-end hook leaves what the run built, as Parquet."""
    return warehouse.with_name(warehouse.name + ".spark-export")


def spark_dbt_env(warehouse: Path) -> dict[str, str]:
    """What the Spark target and its hooks read (dbt_project/profiles.yml)."""
    return {
        "DEAN5299_SPARK_WAREHOUSE": str(spark_warehouse_dir(warehouse)),
        "DEAN5299_SPARK_EXPORT": str(spark_export_dir(warehouse)),
        "DEAN5299_SPARK_LOG4J": str(SPARK_LOG4J),
    }


def prepare_spark_build(warehouse: Path, env: Mapping[str, str] | None = None) -> None:
    """Before a build: nothing of an earlier run may be loaded as this run's, and with the
    session's in-memory catalog (the default, profiles.yml) Spark's warehouse folder holds
    only the last run's table files, which a new catalog would refuse to overwrite."""
    env = os.environ if env is None else env
    shutil.rmtree(spark_export_dir(warehouse), ignore_errors=True)
    if (env.get("DEAN5299_SPARK_CATALOG") or "in-memory") == "in-memory":
        shutil.rmtree(spark_warehouse_dir(warehouse), ignore_errors=True)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_spark_export(export: Path, build_db: Path) -> list[str]:
    """Every `<export>/<schema>/<name>/*.parquet` as table `<schema>.<name>` of `build_db`
    (a new DuckDB file, written here and by nobody else). Spark writes instants as
    Parquet TIMESTAMP adjusted to UTC, which DuckDB reads as TIMESTAMPTZ; column order
    and types otherwise follow Spark's. Returns the tables loaded."""
    import duckdb

    if not export.is_dir():
        raise FileNotFoundError(
            f"Spark đã chạy nhưng không xuất bảng nào tại {export} / the Spark build exported "
            "nothing (is the on-run-end hook in dbt_project.yml?)"
        )
    loaded = []
    build_db.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(build_db)) as con:
        con.execute("set TimeZone = 'Asia/Ho_Chi_Minh'")
        for schema_dir in sorted(p for p in export.iterdir() if p.is_dir()):
            con.execute(f"create schema if not exists {_identifier(schema_dir.name)}")
            for table_dir in sorted(p for p in schema_dir.iterdir() if p.is_dir()):
                files = sorted(table_dir.glob("*.parquet"))
                if not files:
                    continue
                name = f"{_identifier(schema_dir.name)}.{_identifier(table_dir.name)}"
                file_list = ", ".join(_sql_text(str(f)) for f in files)
                con.execute(
                    f"create or replace table {name} as "
                    f"select * from read_parquet([{file_list}])"
                )
                loaded.append(f"{schema_dir.name}.{table_dir.name}")
        con.execute("checkpoint")
    return loaded

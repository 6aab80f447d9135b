"""Warehouse: dbt builds staging -> intermediate -> marts into the build file: a copy of
the published warehouse when an incremental build is allowed, else a fresh file
(orchestration/build_mode.py decides)."""


import hashlib
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.dbt_project import using_dagster_dev

from orchestration.build_mode import dbt_build_args, plan_build, prepare_build_file, record_state
from orchestration.check_descriptions import check_description
from orchestration.dbt_profile import write_profile
from orchestration.resources import DATA_TEAM, PipelineConfig, dbt_resource, with_profile
from orchestration.settings import DBT_PROJECT_DIR, PipelinePaths
from orchestration.spark_engine import load_spark_export, prepare_spark_build, spark_export_dir
from orchestration.ui_tables import markdown_table, province_progress_markdown
from orchestration.warehouse_lock import acquire_for_step

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
if using_dagster_dev():
    # What prepare_if_dev() does, but re-parsing only when a dbt file changed and with
    # the dbt beside this Python (the default preparer wants `dbt` on PATH, which an
    # unactivated venv under `make dev` does not give).
    from orchestration.dbt_manifest import ensure_manifest

    ensure_manifest()


class WarehouseTranslator(DagsterDbtTranslator):
    """Models are keyed by schema and name (["marts", "dim_unit"]); groups come from
    each dbt folder's `meta.dagster.group`, sources keep ["raw"|"reference", table]."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed"):
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_metadata(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, Any]:
        # The UI's table name as BI writes it in the published file (`marts.dim_unit`),
        # not the parse-time placeholder database of the manifest (`parse_only.marts…`).
        metadata = dict(super().get_metadata(dbt_resource_props))
        if dbt_resource_props["resource_type"] in ("model", "seed"):
            name = dbt_resource_props.get("alias") or dbt_resource_props["name"]
            metadata["dagster/table_name"] = f"{dbt_resource_props['schema']}.{name}"
        return metadata

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        description = check_description(manifest["nodes"][unique_id])
        return dg.AssetCheckSpec(
            name=spec.name,
            asset=spec.asset_key,
            description=description,
            additional_deps=spec.additional_deps,
            metadata=spec.metadata,
            blocking=spec.blocking,
        )

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        return super().get_owners(dbt_resource_props) or [DATA_TEAM]

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        # The dbt folder as a tag (`tag:layer=marts` in the UI's selection box); the
        # marts are what BI tools read (CONTRACT §6).
        fqn = dbt_resource_props.get("fqn", [])
        layer = fqn[1] if len(fqn) > 2 else dbt_resource_props["resource_type"]
        tags = {**super().get_tags(dbt_resource_props), "layer": layer}
        if layer == "marts":
            tags["published"] = "bi"
        return tags


def dbt_target_path(paths: PipelinePaths) -> Path:
    """One dbt target folder per deployment (its dbt-visible paths), kept between runs:
    dbt finds its partial_parse.msgpack there and parses only what changed. Nothing
    that varies per run is passed as --vars (it would force a full parse); the run's
    month and moment reach dbt as data (raw.run_requests)."""
    key = hashlib.sha256(repr(sorted(paths.dbt_env().items())).encode()).hexdigest()[:12]
    return DBT_PROJECT_DIR / "target" / f"deployment-{key}"


OWNER_FILE = "deployment.txt"


def claim_target_path(paths: PipelinePaths) -> Path:
    """The deployment's dbt target folder, named after the warehouse it serves; and the
    other deployments' folders removed once their warehouse's folder is gone (a test's
    or a benchmark's temporary folder): without this they pile up, ~15 MB each."""
    target = dbt_target_path(paths)
    target.mkdir(parents=True, exist_ok=True)
    (target / OWNER_FILE).write_text(str(paths.warehouse.parent), encoding="utf-8")
    for other in target.parent.glob("deployment-*"):
        owner = other / OWNER_FILE
        if other == target:
            continue
        if owner.is_file():
            stale = not Path(owner.read_text(encoding="utf-8").strip()).is_dir()
        else:  # made before folders named their owner: gone once unused for a week
            stale = time.time() - other.stat().st_mtime > 7 * 24 * 3600
        if stale:
            shutil.rmtree(other, ignore_errors=True)
    return target


def mart_summaries(build_db: Path) -> dict[str, dict[str, Any]]:
    """UI metadata per mart, read from the finished build (read-only); month-based parts
    show the latest as-of month the warehouse holds."""
    import duckdb

    with duckdb.connect(str(build_db), read_only=True) as con:
        latest = con.execute("select max(as_of) from marts.fct_indicator_progress").fetchone()[0]
        as_of = f"{latest:%Y-%m}" if latest else "-"
        month = f"{latest:%Y-%m-%d}" if latest else "1900-01-01"
        files = dict(con.execute(
            "select status, count(*) from marts.fct_file_ingestion group by 1"
        ).fetchall())
        read, loaded, rejected = con.execute(
            "select coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
            "coalesce(sum(rows_rejected), 0) from marts.fct_file_ingestion"
        ).fetchone()
        not_clean = con.execute(
            "select file_name, status, rows_read, rows_rejected, error "
            "from marts.fct_file_ingestion where status <> 'loaded' order by status, file_name"
        ).fetchall()
        severities = dict(con.execute(
            "select severity, count(*) from marts.fct_data_quality_issues "
            "where period <= ?::date group by 1", [month]
        ).fetchall())
        month_issues = con.execute(
            "select severity, rule_id, unit_code, measure_code, observed_value, limit_value, "
            "message from marts.fct_data_quality_issues where period = ?::date order by "
            "case severity when 'error' then 0 when 'warn' then 1 else 2 end, rule_id, unit_code",
            [month],
        ).fetchall()
        closures = con.execute(
            "select strftime(period, '%Y-%m'), pending_revisions from marts.fct_period_closures "
            "order by period"
        ).fetchall()
    progress = province_progress_markdown(build_db, as_of) if latest else ""
    return {
        "fct_file_ingestion": {
            "files_seen": sum(files.values()),
            **{f"files_{status}": files.get(status, 0)
               for status in ("loaded", "partial", "rejected", "duplicate", "skipped")},
            "rows_read": int(read),
            "rows_loaded": int(loaded),
            "rows_rejected": int(rejected),
            "files_not_fully_loaded": dg.MetadataValue.md(markdown_table(
                ["tệp / file", "trạng thái / status", "dòng đọc / read", "dòng loại / rejected",
                 "lỗi / error"], not_clean)),
        },
        "fct_data_quality_issues": {
            **{f"issues_{s}": severities.get(s, 0) for s in ("error", "warn", "info")},
            "issues_of_month": len(month_issues),
            "month_issues_preview": dg.MetadataValue.md(
                f"Vấn đề kỳ {as_of} / issues of {as_of}\n\n" + markdown_table(
                    ["mức / severity", "quy tắc / rule", "đơn vị / unit", "chỉ số / measure",
                     "giá trị / observed", "ngưỡng / limit", "mô tả / message"], month_issues)),
        },
        "fct_indicator_progress": {
            "latest_as_of": as_of,
            "province_progress": dg.MetadataValue.md(progress),
        },
        "fct_period_closures": {
            "months_closed": len(closures),
            "pending_revisions": sum(count for _, count in closures),
            "closed_months": dg.MetadataValue.md(markdown_table(
                ["tháng / period", "số liệu nộp lại chờ / pending revisions"], closures)),
        },
    }


def _with_summary(event: Any, summary: Mapping[str, Any]) -> Any:
    if isinstance(event, dg.Output) and summary:
        return event.with_metadata({**event.metadata, **summary})
    return event


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=WarehouseTranslator(),
)
def warehouse_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, pipeline: PipelineConfig
):
    paths = pipeline.paths()
    acquire_for_step(paths, context.run.run_id)  # one warehouse writer at a time
    # From the published warehouse when nothing but new batches and closures changed
    # since it was built, else a fresh file and `--full-refresh` (detected, not asked).
    plan = plan_build(paths)
    context.log.info(f"build mode: {plan.mode}")
    prepare_build_file(paths, plan)
    if paths.engine == "spark":
        prepare_spark_build(paths.warehouse)
    give_back_free_memory()
    # dbt holds the build file's write lock until it exits, so what the UI shows of each
    # table (rows, columns, months) can only be read after that: every model's event
    # waits for the end of the build (a few seconds) and leaves with its table's facts.
    held: list[tuple[dg.AssetKey | None, Any]] = []
    try:
        target_path = claim_target_path(paths)
        deployment_dbt = with_profile(dbt, write_profile(paths, target_path))
        invocation = deployment_dbt.cli(
            dbt_build_args(plan, paths.dbt_vars()), context=context, target_path=target_path
        )
        for event in invocation.stream():
            held.append((_event_asset_key(context, event), event))
        if paths.engine == "spark":
            # What Spark built, into the build file that every later step reads.
            tables = load_spark_export(spark_export_dir(paths.warehouse), paths.build_db)
            context.log.info(f"Spark: {len(tables)} tables loaded into {paths.build_db}")
            shutil.rmtree(spark_export_dir(paths.warehouse), ignore_errors=True)
        record_state(paths.build_db, plan)
    except Exception:
        yield from (event for _, event in held)  # what did build is still recorded
        raise
    try:
        facts = table_facts(paths.build_db, [key for key, _ in held if key is not None])
        summaries = mart_summaries(paths.build_db)
    except Exception as error:  # a summary never fails the run
        context.log.warning(f"no UI summary for the tables: {error}")
        facts, summaries = {}, {}
    for key, event in held:
        extra = {}
        if key is not None:
            summary = summaries.get(key.path[-1], {}) if key.path[0] == "marts" else {}
            extra = {**facts.get(key, {}), **summary}
        yield _with_summary(event, {**extra, "build_mode": plan.mode})


def give_back_free_memory() -> None:
    """Hand what this process has freed back to the system before dbt starts. dbt's
    DuckDB takes up to its limit (3 GB) beside this process, and the memory the
    ingestion and the GX check freed would otherwise stay counted here for the whole
    build (docs/benchmarks.md, "Memory")."""
    import ctypes
    import gc

    import pyarrow

    gc.collect()
    pyarrow.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): the allocator keeps it
        pass


def table_facts(build_db: Path, keys: Sequence[dg.AssetKey]) -> dict[dg.AssetKey, dict]:
    """Row count, columns and the months a table covers, read from the finished build
    (one read-only connection): the asset page shows what each table holds."""
    import duckdb

    facts: dict[dg.AssetKey, dict] = {}
    with duckdb.connect(str(build_db), read_only=True) as con:
        columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for schema, table, column, data_type in con.execute(
            "select table_schema, table_name, column_name, data_type "
            "from information_schema.columns order by table_schema, table_name, ordinal_position"
        ).fetchall():
            columns.setdefault((schema, table), []).append((column, data_type))
        for key in keys:
            if len(key.path) != 2 or tuple(key.path) not in columns:
                continue
            schema, table = key.path
            table_columns = columns[(schema, table)]
            names = [name for name, _ in table_columns]
            month_column = next((c for c in ("as_of", "period") if c in names), None)
            query = f'select count(*) from "{schema}"."{table}"'
            if month_column:
                query = (
                    f'select count(*), strftime(min("{month_column}"), \'%Y-%m\'), '
                    f'strftime(max("{month_column}"), \'%Y-%m\') from "{schema}"."{table}"'
                )
            row = con.execute(query).fetchone()
            entry: dict[str, Any] = {
                "dagster/row_count": int(row[0]),
                "dagster/column_schema": dg.TableSchema(
                    columns=[dg.TableColumn(name, data_type) for name, data_type in table_columns]
                ),
            }
            if month_column and row[1]:
                entry["months_covered"] = f"{row[1]} → {row[2]}"
            facts[key] = entry
    return facts


def _event_asset_key(context: dg.AssetExecutionContext, event: Any) -> dg.AssetKey | None:
    if isinstance(event, dg.Output):
        return context.asset_key_for_output(event.output_name)
    return getattr(event, "asset_key", None)


MART_KEYS = [key for key in warehouse_models.keys if key.path[0] == "marts"]

# The warehouse part of the code location: every dbt model, seed and test (as asset
# checks) with the dbt CLI they run through; orchestration/definitions.py merges the parts.
defs = dg.Definitions(assets=[warehouse_models], resources={"dbt": dbt_resource()})

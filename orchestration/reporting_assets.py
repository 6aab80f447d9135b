"""Publishing and reporting assets, downstream of the marts."""

from datetime import date

import dagster as dg

from orchestration.partitions import monthly_partitions
from orchestration.publishing import (
    PUBLISHED_STORAGE_VERSION,
    export_marts_to_parquet,
    province_progress_markdown,
    publish_build,
)
from orchestration.resources import DATA_TEAM, PipelineConfig
from orchestration.warehouse_lock import acquire_for_step, release
from orchestration.warehouse_assets import MART_KEYS
from reports.writer import write_reports

PUBLISHED_WAREHOUSE = dg.AssetKey(["warehouse", "published"])


@dg.asset(
    key=PUBLISHED_WAREHOUSE,
    deps=MART_KEYS,
    partitions_def=monthly_partitions,
    group_name="warehouse",
    owners=[DATA_TEAM],
    tags={"layer": "published"},
    kinds={"duckdb", "parquet"},
    description=(
        "Kho dữ liệu công bố (schema marts) và bản Parquet / the published warehouse, "
        "replaced atomically only after every blocking check passed, in DuckDB storage "
        f"{PUBLISHED_STORAGE_VERSION} so that DuckDB 1.x drivers open it (docs/bi.md)."
    ),
)
def published_warehouse(context: dg.AssetExecutionContext, pipeline: PipelineConfig):
    paths = pipeline.paths()
    acquire_for_step(paths, context.run_id, keep_build=True)  # one writer at a time
    publish_build(paths.build_db, paths.warehouse)
    exported = export_marts_to_parquet(paths.warehouse, paths.output / "parquet")
    release(paths.warehouse)  # the report only reads the published warehouse
    return dg.MaterializeResult(
        metadata={
            "warehouse": dg.MetadataValue.path(str(paths.warehouse)),
            "storage_version": PUBLISHED_STORAGE_VERSION,
            "parquet_folder": dg.MetadataValue.path(str(paths.output / "parquet")),
            "parquet_files": len(exported),
            "province_progress": dg.MetadataValue.md(
                province_progress_markdown(paths.warehouse, context.partition_key)
            ),
        }
    )


@dg.asset(
    deps=[PUBLISHED_WAREHOUSE],
    partitions_def=monthly_partitions,
    group_name="reporting",
    owners=[DATA_TEAM],
    tags={"layer": "reporting"},
    kinds={"markdown", "html", "excel", "csv"},
    description=(
        "Báo cáo tiến độ tháng (tiếng Việt): Markdown, HTML có biểu đồ, Excel, CSV vấn đề dữ "
        "liệu / the month's progress report (docs/reports.md)."
    ),
)
def monthly_report(context: dg.AssetExecutionContext, pipeline: PipelineConfig):
    paths = pipeline.paths()
    as_of = date.fromisoformat(context.partition_key + "-01")
    written = write_reports(paths.warehouse, paths.output, as_of)
    return dg.MaterializeResult(
        metadata={
            **{f"{kind}_path": dg.MetadataValue.path(str(path)) for kind, path in written.items()},
            "preview": dg.MetadataValue.md(written["markdown"].read_text(encoding="utf-8")),
        }
    )

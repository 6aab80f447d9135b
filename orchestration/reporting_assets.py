"""Publishing and reporting assets, downstream of the marts.

The published warehouse is one unpartitioned asset holding every month; the month's
report is the partitioned asset (CONTRACT §9).
"""

import time
import warnings

import dagster as dg
import duckdb
from pydantic import Field

from forms.month import Month
from orchestration.changed_months import changed_months
from orchestration.partitions import monthly_partitions
from orchestration.publishing import (
    PUBLISHED_STORAGE_VERSION,
    export_marts_to_parquet,
    publish_build,
)
from orchestration.resources import DATA_TEAM, PipelineConfig
from orchestration.ui_tables import province_progress_markdown
from orchestration.warehouse_assets import MART_KEYS
from orchestration.warehouse_lock import acquire_for_step, release
from reports.docx_report import convert_to_pdf, soffice
from reports.progress_data import ScopeError
from reports.writer import write_reports

PUBLISHED_WAREHOUSE = dg.AssetKey(["warehouse", "published"])
# Metadata of a publication naming the months whose root figures it changed: the
# inbox sensor renders exactly those months' reports (orchestration/automation.py).
CHANGED_MONTHS = "changed_months"


@dg.asset(
    key=PUBLISHED_WAREHOUSE,
    deps=MART_KEYS,
    group_name="warehouse",
    owners=[DATA_TEAM],
    tags={"layer": "published"},
    kinds={"duckdb", "parquet"},
    description=(
        "Kho dữ liệu công bố (schema marts) và bản Parquet / the published warehouse, "
        "replaced atomically only after every blocking check passed, in DuckDB storage "
        f"{PUBLISHED_STORAGE_VERSION} so that DuckDB 1.x drivers open it (docs/bi.md). "
        "Giữ mọi tháng / holds every month (CONTRACT §9)."
    ),
)
def published_warehouse(context: dg.AssetExecutionContext, pipeline: PipelineConfig):
    paths = pipeline.paths()
    acquire_for_step(paths, context.run.run_id, keep_build=True)  # one writer at a time
    changed = changed_months(paths.warehouse, paths.build_db)
    started = time.monotonic()
    publication = publish_build(paths.build_db, paths.warehouse)
    publish_seconds = time.monotonic() - started
    exported = export_marts_to_parquet(paths.warehouse, paths.output / "parquet")
    release(paths.warehouse)  # the report only reads the published warehouse
    latest = changed[-1] if changed else None
    return dg.MaterializeResult(
        metadata={
            "warehouse": dg.MetadataValue.path(str(paths.warehouse)),
            "storage_version": PUBLISHED_STORAGE_VERSION,
            # How it was published (docs/benchmarks.md): renamed as built, or rewritten
            # without the free blocks an incremental build leaves.
            "published_mb": round(publication.size_bytes / 1e6, 1),
            "build_free_mb": round(publication.build_free_bytes / 1e6, 1),
            "compacted": publication.compacted,
            "publish_seconds": round(publish_seconds, 2),
            "parquet_folder": dg.MetadataValue.path(str(paths.output / "parquet")),
            "parquet_files": len(exported),
            CHANGED_MONTHS: ",".join(changed),
            "province_progress": dg.MetadataValue.md(
                f"Tháng thay đổi gần nhất / latest changed month: {latest}\n\n"
                + province_progress_markdown(paths.warehouse, latest)
                if latest
                else "Không tháng nào thay đổi / no month's figures changed."
            ),
        }
    )


def months_with_figures(
    context: dg.AssetExecutionContext, warehouse, metadata: dict, what: str
) -> list[str]:
    """The run's partition months the published warehouse holds figures for, in order.

    A month before the first month in the data has no report and no receipts: a backfill
    of every partition writes only the months with figures (the others are named in the
    metadata); a run whose months all lack figures fails with one line."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        held = {
            month
            for (month,) in con.execute(
                "select distinct strftime(as_of, '%Y-%m') from marts.fct_indicator_progress"
            ).fetchall()
        }
    months = [month for month in context.partition_keys if month in held]
    skipped = [month for month in context.partition_keys if month not in held]
    if not months:
        raise dg.Failure(
            description=(
                f"kho dữ liệu chưa có số liệu cho tháng {', '.join(skipped)}: không lập {what} "
                f"/ the warehouse holds no figures for {', '.join(skipped)}"
            ),
            allow_retries=False,
        )
    if skipped:
        context.log.warning(f"không có số liệu, bỏ qua / no figures, skipped: {skipped}")
        metadata["months_without_figures"] = ", ".join(skipped)
    return months


class ReportScope(dg.Config):
    """Whose report: empty (the default, what the schedule and sensor render) or the root's
    code for the province report, a publication; a group's code for its report in
    <output>/YYYY-MM/<CODE>/, not a publication (CONTRACT §10)."""

    unit_code: str = Field(
        default="",
        description="Mã cụm/khối (trống: toàn tỉnh) / a group's unit_code (empty: the root)",
    )


def report_unit_of(run_config: dict | None) -> str:
    """The unit_code a run's config asks monthly_report for ('' : the root)."""
    ops = (run_config or {}).get("ops", {})
    return str(((ops.get("monthly_report") or {}).get("config") or {}).get("unit_code") or "")


def report_run_config(unit_code: str | None) -> dict:
    """The run config that renders `unit_code`'s report (nothing for the root)."""
    return {"ops": {"monthly_report": {"config": {"unit_code": unit_code}}}} if unit_code else {}


# A backfill policy is "beta" in this Dagster; we rely on it on purpose (one build per
# backfill), so its warning is noise in every run's log.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)


@dg.asset(
    deps=[PUBLISHED_WAREHOUSE],
    partitions_def=monthly_partitions,
    # A backfill renders its months in one run, after one warehouse build.
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="reporting",
    owners=[DATA_TEAM],
    tags={"layer": "reporting"},
    kinds={"markdown", "html", "excel", "csv", "docx", "pdf"},
    description=(
        "Báo cáo tiến độ tháng (tiếng Việt): Markdown, HTML có biểu đồ, Excel, CSV vấn đề dữ "
        "liệu, văn bản .docx (và .pdf khi có LibreOffice); mỗi lần lập là một lần phát hành "
        "(fct_publications) / the month's progress report (docs/reports.md), the official "
        "document (§12); every rendering is a publication (CONTRACT §9)."
    ),
)
def monthly_report(
    context: dg.AssetExecutionContext, config: ReportScope, pipeline: PipelineConfig
):
    paths = pipeline.paths()
    unit_code = config.unit_code.strip()
    metadata: dict = {}
    can_convert = soffice() is not None
    if not can_convert:  # said once per run, not once per month
        context.log.warning(
            "Không có LibreOffice (soffice): không tạo bản PDF / no PDF of the .docx "
            "(apt-get install libreoffice-writer-nogui)"
        )
    months = months_with_figures(context, paths.warehouse, metadata, "báo cáo")
    for month in months:
        try:
            written = write_reports(
                paths.warehouse,
                paths.output,
                Month.parse(month).first_day,
                paths.raw_store,
                unit_code=unit_code or None,
            )
        except ScopeError as error:  # a leaf, an unknown or inactive unit: one line
            raise dg.Failure(description=str(error), allow_retries=False) from None
        if unit_code:
            metadata["unit_code"] = unit_code
        if can_convert:  # a failed conversion never fails the run
            pdf = convert_to_pdf(written["docx"])
            if pdf is None:
                context.log.warning(f"PDF không tạo được / PDF conversion failed: {month}")
            else:
                written["pdf"] = pdf
        metadata.update(
            {f"{kind}_path": dg.MetadataValue.path(str(path)) for kind, path in written.items()}
        )
    if len(months) == 1:
        metadata["preview"] = dg.MetadataValue.md(written["markdown"].read_text(encoding="utf-8"))
    else:
        metadata["months"] = ", ".join(months)
    return dg.MaterializeResult(metadata=metadata)


# The reporting part: the published warehouse and the month's report;
# orchestration/definitions.py merges the parts.
defs = dg.Definitions(assets=[published_warehouse, monthly_report])

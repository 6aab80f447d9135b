"""Ingestion: the inbox lands in the append-only raw store (Parquet)."""


import dagster as dg

from ingestion.inbox import ingest_inbox
from orchestration.resources import PipelineConfig

RAW_FILES = dg.AssetKey(["raw", "inbox_files"])
RAW_ROWS = dg.AssetKey(["raw", "report_rows"])

# Reference CSVs are edited by the data team, not produced by the pipeline.
reference_specs = [
    dg.AssetSpec(
        ["reference", name],
        group_name="reference",
        description=f"{name}.csv trong thư mục DEAN5299_REFERENCE / {name}.csv in DEAN5299_REFERENCE.",
        kinds={"csv"},
    )
    for name in ("units", "targets", "population", "settings")
]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            RAW_FILES,
            group_name="ingestion",
            description="Nhật ký mọi tệp trong hộp thư / log of every file seen in the inbox.",
            kinds={"parquet"},
        ),
        dg.AssetSpec(
            RAW_ROWS,
            group_name="ingestion",
            description="Mọi dòng đọc được từ báo cáo đơn vị / every row read from unit reports.",
            kinds={"parquet"},
        ),
    ],
)
def inbox_ingestion(context: dg.AssetExecutionContext, pipeline: PipelineConfig):
    paths = pipeline.paths()
    summary = ingest_inbox(paths.inbox, paths.raw_store)
    context.log.info(
        f"{summary.files_new} new file(s) of {summary.files_seen}; {summary.rows_read} row(s) read"
    )
    metadata = {
        "inbox": dg.MetadataValue.path(str(paths.inbox)),
        "raw_store": dg.MetadataValue.path(str(paths.raw_store)),
        "files_seen": summary.files_seen,
        "files_new": summary.files_new,
        "files_parsed": summary.files_parsed,
        "files_rejected": summary.files_rejected,
        "files_duplicate": summary.files_duplicate,
        "files_skipped": summary.files_skipped,
        "rows_read": summary.rows_read,
        "batch_id": summary.batch_id or "(nothing new)",
    }
    yield dg.MaterializeResult(asset_key=RAW_FILES, metadata=metadata)
    yield dg.MaterializeResult(asset_key=RAW_ROWS, metadata={"rows_read": summary.rows_read})

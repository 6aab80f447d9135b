"""Ingestion: the inbox lands in the append-only raw store (Parquet)."""


import dagster as dg

from ingestion.inbox import ingest_inbox
from orchestration.resources import DATA_TEAM, PipelineConfig

RAW_FILES = dg.AssetKey(["raw", "inbox_files"])
RAW_ROWS = dg.AssetKey(["raw", "report_rows"])

REFERENCE_DESCRIPTIONS = {
    "units": "Danh mục đơn vị (lịch sử sáp nhập, chia tách) / reporting units and their history.",
    "targets": "Chỉ tiêu giao theo kỳ / targets per indicator, unit and window.",
    "population": "Dân số từ 14 tuổi theo năm / population aged 14+ per unit and year (CT7).",
    "settings": "Thiết lập, gồm hạn nộp báo cáo / settings, incl. submission_deadline_day.",
}

# Reference CSVs are edited by the data team, not produced by the pipeline.
reference_specs = [
    dg.AssetSpec(
        ["reference", name],
        group_name="reference",
        description=(
            f"{text} Tệp {name}.csv trong DEAN5299_REFERENCE, do nhóm dữ liệu sửa / "
            f"{name}.csv in DEAN5299_REFERENCE, edited by the data team."
        ),
        kinds={"csv"},
        owners=[DATA_TEAM],
        tags={"layer": "reference"},
    )
    for name, text in REFERENCE_DESCRIPTIONS.items()
]

_INGESTION = {"owners": [DATA_TEAM], "tags": {"layer": "raw"}, "group_name": "ingestion"}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            RAW_FILES,
            description=(
                "Nhật ký mọi tệp trong hộp thư DEAN5299_INBOX: tên, sha256, định dạng, trạng thái "
                "đọc (parsed, rejected, duplicate, skipped). Chỉ ghi thêm, không xóa. / Log of "
                "every file seen in the inbox (append-only Parquet in the raw store)."
            ),
            kinds={"parquet"},
            **_INGESTION,
        ),
        dg.AssetSpec(
            RAW_ROWS,
            description=(
                "Mọi dòng số liệu đọc được từ báo cáo đơn vị, kèm vị trí ô (BaoCao!F12). Kiểm "
                "tra danh mục (đơn vị, chỉ số) làm ở kho dữ liệu. / Every data row read from unit "
                "reports, with its cell; reference checks happen in the warehouse."
            ),
            kinds={"parquet"},
            **_INGESTION,
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
        "rows_with_errors": summary.rows_with_errors,
        "batch_id": summary.batch_id or "(nothing new)",
        "new_files": dg.MetadataValue.md(new_files_markdown(summary.files)),
    }
    if summary.files_not_read:
        metadata["files_not_read"] = ", ".join(summary.files_not_read[:20])
    yield dg.MaterializeResult(asset_key=RAW_FILES, metadata=metadata)
    yield dg.MaterializeResult(
        asset_key=RAW_ROWS,
        metadata={"rows_read": summary.rows_read, "rows_with_errors": summary.rows_with_errors},
    )


def new_files_markdown(files, limit: int = 50) -> str:
    """The files this run logged (each file is logged once per content)."""
    if not files:
        return "Không có tệp mới / no new file in the inbox."
    lines = [
        "| tệp / file | trạng thái / status | dòng đọc / rows read | dòng lỗi / rows with errors "
        "| lỗi / error |",
        "|---|---|---|---|---|",
    ]
    for item in files[:limit]:
        error = item.error_code or (f"= {item.duplicate_of}" if item.duplicate_of else "")
        lines.append(
            f"| {item.file_name.replace('|', '/')} | {item.parse_status} | {item.rows_read} "
            f"| {item.rows_with_errors} | {error} |"
        )
    if len(files) > limit:
        lines.append(f"\n… {len(files) - limit} tệp nữa / more files")
    return "\n".join(lines)

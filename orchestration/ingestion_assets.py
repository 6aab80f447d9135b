"""Ingestion: the inbox lands in the append-only raw store (Parquet); the reference
folder is validated and snapshotted for dbt (ingestion/reference_files.py)."""


import dagster as dg

from forms.month import Month
from ingestion.inbox import ingest_inbox
from ingestion.reference_files import (
    REFERENCE_FILES,
    ReferenceFileError,
    closed_periods,
    snapshot_reference,
)
from ingestion.run_requests import record_run_request
from orchestration.partitions import run_months
from orchestration.resources import DATA_TEAM, PipelineConfig
from orchestration.warehouse_lock import acquire_for_step
from reports.publications import ensure_publication_store

RAW_FILES = dg.AssetKey(["raw", "inbox_files"])
RAW_ROWS = dg.AssetKey(["raw", "report_rows"])
RUN_REQUESTS = dg.AssetKey(["raw", "run_requests"])

REFERENCE_DESCRIPTIONS = {
    "units": "Danh mục đơn vị (lịch sử sáp nhập, chia tách) / reporting units and their history.",
    "targets": "Chỉ tiêu giao theo kỳ / targets per indicator, unit and window.",
    "population": "Dân số từ 14 tuổi theo năm / population aged 14+ per unit and year (CT7).",
    "settings": "Thiết lập, gồm hạn nộp báo cáo / settings, incl. submission_deadline_day.",
    "closures": (
        "Chốt số liệu tháng (tùy chọn; dòng cuối của mỗi tháng quyết định, closed_at trống = "
        "mở lại) / period closures (optional, CONTRACT §9)."
    ),
    "unit_changes": (
        "Sáp nhập, chia tách đơn vị (tùy chọn) / reorganisations: predecessors, successors "
        "and shares (optional, CONTRACT §10)."
    ),
}
assert set(REFERENCE_DESCRIPTIONS) == set(REFERENCE_FILES)


def _reference_spec(name: str) -> dg.AssetSpec:
    text = REFERENCE_DESCRIPTIONS[name]
    return dg.AssetSpec(
        ["reference", name],
        group_name="reference",
        description=(
            f"{text} Tệp {name}.csv trong DEAN5299_REFERENCE, do nhóm dữ liệu sửa; được kiểm "
            f"tra rồi chép (UTF-8 chuẩn hóa) vào <kho>.reference/ cho dbt đọc / {name}.csv in "
            "DEAN5299_REFERENCE, edited by the data team; validated, then copied (normalised "
            "UTF-8) into <warehouse>.reference/, which dbt reads."
        ),
        kinds={"csv"},
        owners=[DATA_TEAM],
        tags={"layer": "reference"},
        skippable=False,
    )


@dg.multi_asset(
    name="reference_files",
    specs=[_reference_spec(name) for name in REFERENCE_FILES],
    description=(
        "Đọc một lần mọi tệp danh mục, kiểm tra (mã hóa, cột, tháng, ngày giờ chốt số liệu) và "
        "chép vào thư mục dbt đọc; tệp sai: một dòng lỗi nêu tệp và dòng, không ghi gì. / "
        "Reads every reference file once, validates it and snapshots it for dbt; an invalid "
        "file fails with one line naming the file and the line, writing nothing."
    ),
)
def reference_files(context: dg.AssetExecutionContext, pipeline: PipelineConfig):
    paths = pipeline.paths()
    acquire_for_step(paths, context.run.run_id)  # one warehouse writer at a time
    try:
        snapshot = snapshot_reference(paths.reference, paths.reference_snapshot)
    except ReferenceFileError as error:
        # The one line the CLI prints and the UI shows; the snapshot is untouched, so
        # dbt does not run on it and the published warehouse stays as it was.
        raise dg.Failure(description=str(error), allow_retries=False) from None
    context.log.info(f"reference folder {paths.reference} -> {snapshot.folder}")
    for name, table in snapshot.tables.items():
        metadata: dict = {
            "source": dg.MetadataValue.path(str(paths.reference / table.file_name)),
            "snapshot": dg.MetadataValue.path(str(snapshot.path(name))),
            "present": table.present,
            "rows": len(table.rows),
        }
        if table.present:
            metadata["encoding"] = table.encoding
            metadata["delimiter"] = table.delimiter
        if name == "closures":
            closed = closed_periods(table)
            metadata["months_closed"] = len(closed)
            metadata["closed_now"] = dg.MetadataValue.md(closures_markdown(closed))
            waiting = pending_revisions_published(paths.warehouse)
            if waiting is not None:
                metadata["pending_revisions_published"] = waiting
        yield dg.MaterializeResult(asset_key=["reference", name], metadata=metadata)


def pending_revisions_published(warehouse) -> int | None:
    """Revisions waiting in the published warehouse (before this run's build), or None."""
    import duckdb

    if not warehouse.is_file():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute("select count(*) from marts.fct_pending_revisions").fetchone()[0]
    except duckdb.Error:  # a warehouse published before the time model
        return None


def closures_markdown(closed: dict[str, dict[str, str]]) -> str:
    """The months closed now (the last row of each period decides)."""
    if not closed:
        return "Chưa chốt tháng nào / no month is closed."
    lines = [
        "| tháng / period | chốt lúc / closed_at | người chốt / closed_by | ghi chú / note |",
        "|---|---|---|---|",
    ]
    for period, row in closed.items():
        cells = [period, row["closed_at"], row["closed_by"], row["note"]]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


# definitions.py lists these among its assets.
reference_specs = [reference_files]

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
        dg.AssetSpec(
            RUN_REQUESTS,
            description=(
                "Nhật ký các lần chạy: tháng báo cáo và thời điểm, dbt đọc như dữ liệu (kho giữ "
                "mọi tháng đến tháng mới nhất từng được yêu cầu). Chỉ ghi thêm. / Log of runs: "
                "the as-of month and moment, read by dbt as data (the warehouse's horizon)."
            ),
            kinds={"parquet"},
            **_INGESTION,
        ),
    ],
)
def inbox_ingestion(context: dg.AssetExecutionContext, pipeline: PipelineConfig):
    paths = pipeline.paths()
    acquire_for_step(paths, context.run.run_id)  # one warehouse writer at a time
    summary = ingest_inbox(paths.inbox, paths.raw_store)
    # The run's month(s) and moment reach dbt as data (the warehouse's horizon, deadlines).
    months = run_months(context.run.tags)
    logged = record_run_request(
        paths.raw_store,
        [Month.parse(month).first_day for month in months],
        context.run.run_id,
        context.run.tags.get("dean5299/trigger"),
    )
    ensure_publication_store(paths.raw_store)
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
    yield dg.MaterializeResult(
        asset_key=RUN_REQUESTS,
        metadata={
            "as_of_months": ", ".join(months) or "(không có / none: warehouse only)",
            "log_file": dg.MetadataValue.path(str(logged)),
        },
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


# Written by monthly_report (reports/publications.py), read by dbt into the publication
# marts: outside the asset graph's flow (a report cannot be upstream of the warehouse it
# reads), so declared here for their place in the UI.
publication_specs = [
    dg.AssetSpec(
        ["raw", name],
        group_name="reporting",
        description=(
            f"{text} Chỉ ghi thêm, giữ cùng kho thô qua mọi lần dựng lại kho. / {english}, "
            "append-only, kept with the raw store across warehouse rebuilds (CONTRACT §9)."
        ),
        kinds={"parquet"},
        owners=[DATA_TEAM],
        tags={"layer": "raw"},
    )
    for name, text, english in (
        ("publications", "Các lần phát hành báo cáo của tỉnh.", "Every report published"),
        ("published_figures", "Số liệu của từng lần phát hành.", "The figures each printed"),
    )
]

# The ingestion part of the code location (orchestration/definitions.py merges the parts).
defs = dg.Definitions(assets=[*reference_specs, inbox_ingestion, *publication_specs])

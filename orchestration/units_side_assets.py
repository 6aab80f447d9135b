"""The units' side (CONTRACT §11): what goes back to the reporting units.

Each month's receipts are written in every monthly run, after the warehouse is
published; the month's prefilled templates are materialised on demand (the UI's
"Materialize" on a month, or `dean5299 templates --period`), since a month's templates
go out before its reports come in. Mailing the receipts stays a command
(`dean5299 send-receipts`): it needs the SMTP settings and is never repeated by a rerun.
"""

import dagster as dg

from orchestration.partitions import monthly_partitions
from orchestration.reporting_assets import PUBLISHED_WAREHOUSE, months_with_figures
from orchestration.resources import DATA_TEAM, PipelineConfig
from outbox.receipts import write_receipts
from outbox.templates import write_templates

UNITS_SIDE_GROUP = "units_side"
UNIT_RECEIPTS = dg.AssetKey("unit_receipts")
UNIT_TEMPLATES = dg.AssetKey("unit_templates")
# Both read the published warehouse for the partition's month; a backfill of several
# months runs once (the receipts in the run that renders their reports).
_MONTHLY_FROM_PUBLISHED = {
    "deps": [PUBLISHED_WAREHOUSE],
    "partitions_def": monthly_partitions,
    "backfill_policy": dg.BackfillPolicy.single_run(),
    "group_name": UNITS_SIDE_GROUP,
    "owners": [DATA_TEAM],
    "tags": {"layer": "units_side"},
}
RECEIPTS_TEXT = (
    "Phiếu phản hồi tháng cho từng đơn vị báo cáo (phan_hoi/YYYY-MM/<mã>.xlsx, .html) và danh "
    "sách gửi (danh_sach_gui.csv): tệp đã nhận, dòng bị loại, vấn đề dữ liệu, tình trạng nộp, "
    "tiến độ và thứ hạng / each reporting unit's receipt for the month and the send list "
    "(CONTRACT §11)."
)
TEMPLATES_TEXT = (
    "Mẫu báo cáo tháng điền sẵn cho từng đơn vị (mau_bao_cao/YYYY-MM/<mã>.xlsx): thông tin đơn "
    "vị, kỳ báo cáo, lũy kế các tháng trước; chỉ ô số liệu được nhập. Lập khi cần, không thuộc "
    "lần chạy hằng tháng / each reporting unit's prefilled template for the month (CONTRACT "
    "§11), on demand (not part of the monthly run)."
)


@dg.asset(
    key=UNIT_RECEIPTS,
    kinds={"excel", "html", "csv"},
    description=RECEIPTS_TEXT,
    **_MONTHLY_FROM_PUBLISHED,
)
def unit_receipts(context: dg.AssetExecutionContext, pipeline: PipelineConfig):
    paths = pipeline.paths()
    metadata: dict = {}
    months = months_with_figures(context, paths.warehouse, metadata, "phiếu phản hồi")
    written = {month: write_receipts(paths.warehouse, paths.output, month) for month in months}
    last = months[-1]
    metadata.update(
        {
            "receipts": sum(len(paths_) for paths_ in written.values()),
            "folder": dg.MetadataValue.path(str(paths.output / "phan_hoi" / last)),
            "send_list": dg.MetadataValue.path(
                str(paths.output / "phan_hoi" / last / "danh_sach_gui.csv")
            ),
        }
    )
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key=UNIT_TEMPLATES, kinds={"excel"}, description=TEMPLATES_TEXT, **_MONTHLY_FROM_PUBLISHED
)
def unit_templates(context: dg.AssetExecutionContext, pipeline: PipelineConfig):
    paths = pipeline.paths()
    written = [
        path
        for month in context.partition_keys
        for path in write_templates(paths.warehouse, paths.output, month)
    ]
    last = context.partition_keys[-1]
    return dg.MaterializeResult(
        metadata={
            "templates": len(written),
            "folder": dg.MetadataValue.path(str(paths.output / "mau_bao_cao" / last)),
        }
    )


# The units' side part of the code location (orchestration/definitions.py merges the parts).
defs = dg.Definitions(assets=[unit_receipts, unit_templates])

"""The monthly job, its schedule and the inbox sensor."""


import csv
import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.partitions import TIMEZONE
from orchestration.settings import resolve_paths

PIPELINE_GROUPS = ("ingestion", "warehouse", "quality", "reporting")

# The same selection for the schedule, the sensor and `dean5299 run`.
monthly_job = dg.define_asset_job(
    "monthly_report_job",
    selection=dg.AssetSelection.groups(*PIPELINE_GROUPS),
    description="Nạp hộp thư, dựng kho, kiểm tra, công bố và lập báo cáo tháng.",
)

ACCEPTED_SUFFIXES = {".xlsx", ".xls", ".xlsb", ".ods", ".csv"}


def previous_month(day: date) -> str:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def deadline_day(reference: Path) -> int:
    with (reference / "settings.csv").open(encoding="utf-8-sig", newline="") as handle:
        settings = {row["key"].strip(): row["value"].strip() for row in csv.DictReader(handle)}
    return int(settings["submission_deadline_day"])


def monthly_run_request(tick: datetime, reference: Path) -> dg.RunRequest | dg.SkipReason:
    """Ticks daily; runs on the day after the submission deadline, for the month before."""
    local = tick.astimezone(ZoneInfo(TIMEZONE))
    run_day = deadline_day(reference) + 1
    if local.day != run_day:
        return dg.SkipReason(f"báo cáo tháng chạy ngày {run_day} hằng tháng")
    month = previous_month(local.date())
    return dg.RunRequest(run_key=f"monthly-{month}", partition_key=month)


@dg.schedule(
    job=monthly_job,
    cron_schedule="0 6 * * *",
    execution_timezone=TIMEZONE,
    description="06:00 (giờ Việt Nam) ngày sau hạn nộp báo cáo: chạy cho tháng vừa kết thúc.",
)
def monthly_schedule(context: dg.ScheduleEvaluationContext):
    return monthly_run_request(context.scheduled_execution_time, resolve_paths().reference)


def inbox_fingerprint(inbox: Path) -> dict[str, str]:
    """relative path -> sha256 of every accepted file (content, so a corrected file
    resent under the same name counts as new)."""
    fingerprint = {}
    for path in sorted(inbox.rglob("*")):
        if path.is_file() and path.suffix.lower() in ACCEPTED_SUFFIXES:
            fingerprint[path.relative_to(inbox).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return fingerprint


@dg.sensor(
    job=monthly_job,
    minimum_interval_seconds=300,
    description="Khi hộp thư có tệp mới hoặc thay đổi: nạp lại và làm mới tháng gần nhất.",
)
def inbox_sensor(context: dg.SensorEvaluationContext):
    inbox = resolve_paths().inbox
    if not inbox.is_dir():
        return dg.SkipReason(f"không thấy hộp thư {inbox}")
    fingerprint = inbox_fingerprint(inbox)
    digest = hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()
    if digest == context.cursor:
        return dg.SkipReason("hộp thư không có gì mới")
    context.update_cursor(digest)
    month = previous_month(datetime.now(ZoneInfo(TIMEZONE)).date())
    return dg.RunRequest(run_key=f"inbox-{digest[:16]}", partition_key=month)

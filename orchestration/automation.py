"""The monthly job, its schedule and the inbox sensor (docs/operations.md)."""

from __future__ import annotations

import calendar
import csv
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.partitions import PROGRAMME_START, TIMEZONE
from orchestration.settings import resolve_paths

PIPELINE_GROUPS = ("ingestion", "warehouse", "quality", "reporting")
MONTHLY_JOB = "monthly_report_job"
REPORT_REFRESH_JOB = "report_refresh_job"
# Runs of the monthly job all rebuild and replace the same warehouse file: the
# instance's dagster.yaml limits this tag to one run at a time (docs/operations.md).
WAREHOUSE_WRITER_TAG = "dean5299/warehouse_writer"

# The same selection for the schedule, the sensor and `dean5299 run`.
monthly_job = dg.define_asset_job(
    MONTHLY_JOB,
    selection=dg.AssetSelection.groups(*PIPELINE_GROUPS),
    tags={WAREHOUSE_WRITER_TAG: "monthly"},
    description=(
        "Nạp hộp thư, dựng kho, kiểm tra, công bố và lập báo cáo tháng (tháng = phân vùng). / "
        "Ingest the inbox, rebuild and check the warehouse, publish it, write the month's report."
    ),
)

# Only the report: re-written from the published warehouse (whose progress rows cover
# every month up to its own as-of), so an old month's report is refreshed without
# publishing a warehouse that stops at that old month.
report_refresh_job = dg.define_asset_job(
    REPORT_REFRESH_JOB,
    selection=dg.AssetSelection.groups("reporting"),
    description=(
        "Viết lại báo cáo của một tháng cũ từ kho đã công bố (không dựng lại kho). / "
        "Rewrite an old month's report from the published warehouse (no rebuild)."
    ),
)

ACCEPTED_SUFFIXES = {".xlsx", ".xls", ".xlsb", ".ods", ".csv"}


def previous_month(day: date) -> str:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def deadline_day(reference: Path) -> int:
    with (reference / "settings.csv").open(encoding="utf-8-sig", newline="") as handle:
        settings = {row["key"].strip(): row["value"].strip() for row in csv.DictReader(handle)}
    return int(settings["submission_deadline_day"])


def run_date_for(month: str, deadline: int) -> date:
    """The day after month's deadline: day `deadline` of the next month, or that
    month's last day when it is shorter (a deadline of 31 in a 30-day month)."""
    year, number = int(month[:4]), int(month[5:])
    year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    last = calendar.monthrange(year, number)[1]
    return date(year, number, min(deadline, last)) + timedelta(days=1)


def monthly_run_request(tick: datetime, reference: Path) -> dg.RunRequest | dg.SkipReason:
    """Ticks daily; runs on the day after the submission deadline, for the month before
    that deadline. The local (Asia/Ho_Chi_Minh) date decides, never the UTC one."""
    local = tick.astimezone(ZoneInfo(TIMEZONE)).date()
    deadline = deadline_day(reference)
    last_month = previous_month(local)
    # Usually the month before; for a deadline on a month's last day the run falls on
    # the 1st, two months after the reporting month.
    for month in (last_month, previous_month(date(int(last_month[:4]), int(last_month[5:]), 1))):
        if run_date_for(month, deadline) == local and month >= PROGRAMME_START:
            return dg.RunRequest(
                run_key=f"monthly-{month}",
                partition_key=month,
                tags={"dean5299/trigger": "schedule"},
            )
    return dg.SkipReason(
        f"báo cáo tháng chạy ngày sau hạn nộp (ngày {deadline} tháng sau) / "
        f"runs the day after the deadline (day {deadline} of the next month)"
    )


@dg.schedule(
    job=monthly_job,
    cron_schedule="0 6 * * *",
    execution_timezone=TIMEZONE,
    description=(
        "06:00 giờ Việt Nam, ngày sau hạn nộp (submission_deadline_day trong settings.csv): "
        "chạy cho tháng vừa kết thúc. Các ngày khác bỏ qua. / 06:00 Asia/Ho_Chi_Minh on the "
        "day after the submission deadline: runs the month just ended; other days skip."
    ),
)
def monthly_schedule(context: dg.ScheduleEvaluationContext):
    # settings.csv is read at each tick: the data team may change the deadline any time.
    return monthly_run_request(context.scheduled_execution_time, resolve_paths().reference)


# --- the inbox sensor ------------------------------------------------------------

CURSOR_VERSION = 1


@dataclass
class InboxCursor:
    """What the sensor remembers between ticks (stored as JSON in Dagster's cursor).

    files: relative path -> [size, mtime_ns, sha256], so an unchanged file (same size
    and mtime) is never hashed again. refresh: old months whose report must be
    rewritten once a monthly run published after `since` (ISO time) has succeeded.
    """

    files: dict[str, list] = field(default_factory=dict)
    refresh: list[dict] = field(default_factory=list)
    initialised: bool = False

    @classmethod
    def load(cls, raw: str | None) -> InboxCursor:
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
        except ValueError:
            return cls()  # a cursor from the old format: start afresh
        if not isinstance(data, dict) or data.get("v") != CURSOR_VERSION:
            return cls()
        return cls(files=data.get("files", {}), refresh=data.get("refresh", []), initialised=True)

    def dump(self) -> str:
        return json.dumps(
            {"v": CURSOR_VERSION, "files": self.files, "refresh": self.refresh},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )


@dataclass
class InboxScan:
    files: dict[str, list]  # the new cursor's `files`
    new: dict[str, str]  # relative path -> sha256 of content not seen under that path
    months: set[str]  # reporting months found inside the new files (YYYY-MM)


def scan_inbox(inbox: Path, known: dict[str, list], read_months: bool = True) -> InboxScan:
    """Lists accepted files; hashes only those whose (size, mtime) changed; parses the
    new ones for their months (unit and period come from content, CONTRACT §4)."""
    from ingestion.file_reader import parse_bytes

    files: dict[str, list] = {}
    new: dict[str, str] = {}
    months: set[str] = set()
    for path in sorted(inbox.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in ACCEPTED_SUFFIXES:
            continue
        name = path.relative_to(inbox).as_posix()
        stat = path.stat()
        before = known.get(name)
        if before and before[0] == stat.st_size and before[1] == stat.st_mtime_ns:
            files[name] = before
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue  # vanished or unreadable: looked at again next tick
        sha = hashlib.sha256(data).hexdigest()
        files[name] = [stat.st_size, stat.st_mtime_ns, sha]
        if before and before[2] == sha:
            continue  # touched or copied over with the same bytes: nothing new
        new[name] = sha
        if read_months:
            parsed = parse_bytes(path.suffix.lower().lstrip("."), data)
            months.update(f"{row.period:%Y-%m}" for row in parsed.rows if row.period)
    return InboxScan(files, new, months)


def inbox_fingerprint(inbox: Path) -> dict[str, str]:
    """relative path -> sha256 of every accepted file."""
    scan = scan_inbox(inbox, {}, read_months=False)
    return {name: entry[2] for name, entry in scan.files.items()}


def latest_complete_month(now: datetime) -> str:
    return previous_month(now.astimezone(ZoneInfo(TIMEZONE)).date())


def report_path(output: Path, month: str) -> Path:
    return output / month / f"bao_cao_{month}.md"


def _monthly_runs(instance: dg.DagsterInstance, statuses, created_after=None):
    return instance.get_runs(
        filters=dg.RunsFilter(job_name=MONTHLY_JOB, statuses=statuses, created_after=created_after),
        limit=50,
    )


def _refresh_requests(instance: dg.DagsterInstance, state: InboxCursor) -> list[dg.RunRequest]:
    """Report-only runs for old months, once a monthly run created after the sensor
    saw the resubmission has succeeded with an as-of at least as late as those months
    (its warehouse then holds their corrected progress rows)."""
    requests, waiting = [], []
    for item in state.refresh:
        # Dagster compares created_after as UTC whatever its zone: convert first.
        since = datetime.fromisoformat(item["since"]).astimezone(UTC)
        done = [
            run
            for run in _monthly_runs(instance, [dg.DagsterRunStatus.SUCCESS], created_after=since)
            if run.tags.get("dagster/partition", "") >= max(item["months"])
        ]
        if not done:
            waiting.append(item)
            continue
        run_id = done[0].run_id
        for month in item["months"]:
            requests.append(
                dg.RunRequest(
                    job_name=REPORT_REFRESH_JOB,
                    partition_key=month,
                    run_key=f"report-{month}-{run_id[:8]}",
                    tags={"dean5299/trigger": "inbox_sensor", "dean5299/after_run": run_id},
                )
            )
    state.refresh = waiting
    return requests


@dg.sensor(
    jobs=[monthly_job, report_refresh_job],
    minimum_interval_seconds=300,
    description=(
        "Khi hộp thư có tệp mới hoặc đã sửa: một lần chạy cho tháng đã kết thúc gần nhất "
        "(dựng lại toàn bộ kho); tháng cũ được nộp lại thì viết lại báo cáo tháng đó sau khi "
        "kho mới công bố. / New or corrected inbox files: one run for the latest complete "
        "month (rebuilds the whole warehouse); a resubmitted old month gets its report "
        "rewritten once that warehouse is published."
    ),
)
def inbox_sensor(context: dg.SensorEvaluationContext):
    paths = resolve_paths()
    if not paths.inbox.is_dir():
        return dg.SkipReason(f"không thấy hộp thư / no inbox folder: {paths.inbox}")
    state = InboxCursor.load(context.cursor)
    requests = _refresh_requests(context.instance, state)

    in_progress = [
        dg.DagsterRunStatus.QUEUED,
        dg.DagsterRunStatus.NOT_STARTED,
        dg.DagsterRunStatus.STARTING,
        dg.DagsterRunStatus.STARTED,
    ]
    if _monthly_runs(context.instance, in_progress):
        # Files arriving now are looked at after that run: the cursor keeps them new.
        context.update_cursor(state.dump())
        return requests or dg.SkipReason(
            "đang có lần chạy tháng; xét hộp thư ở lần sau / a monthly run is in progress"
        )

    scan = scan_inbox(paths.inbox, state.files, read_months=state.initialised)
    state.files = scan.files
    if scan.new:
        now = datetime.now(ZoneInfo(TIMEZONE))
        month = latest_complete_month(now)
        digest = hashlib.sha256(
            "\n".join(f"{name}\0{sha}" for name, sha in sorted(scan.new.items())).encode()
        ).hexdigest()
        requests.append(
            dg.RunRequest(
                job_name=MONTHLY_JOB,
                run_key=f"inbox-{digest[:16]}-{month}",
                partition_key=month,
                tags={
                    "dean5299/trigger": "inbox_sensor",
                    "dean5299/new_files": str(len(scan.new)),
                    "dean5299/months_in_files": ",".join(sorted(scan.months))[:200] or "-",
                },
            )
        )
        # Old months whose report was already written: rewrite it after this run.
        old = sorted(m for m in scan.months if m < month and report_path(paths.output, m).is_file())
        if old:
            state.refresh.append({"months": old, "since": now.astimezone(UTC).isoformat()})
        context.log.info(
            f"{len(scan.new)} new/changed file(s), months {sorted(scan.months) or '-'}; "
            f"run for {month}; reports to rewrite afterwards: {old or '-'}"
        )
    context.update_cursor(state.dump())
    if requests:
        return requests
    return dg.SkipReason("hộp thư không có gì mới / nothing new in the inbox")

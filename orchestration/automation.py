"""The monthly job, its schedule and the inbox sensor (docs/operations.md)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from forms.month import Month
from orchestration.partitions import PROGRAMME_START, TIMEZONE, monthly_partitions, run_months
from orchestration.settings import resolve_paths
from orchestration.units_side_assets import UNIT_TEMPLATES, UNITS_SIDE_GROUP

# The warehouse build: reference snapshot, ingestion, dbt and its checks, publication.
# It is not partitioned: it holds every month (CONTRACT §9).
WAREHOUSE_GROUPS = ("reference", "ingestion", "warehouse", "quality")
# The month's outputs: the report, and what goes back to the units (their receipts).
OUTPUT_GROUPS = ("reporting", UNITS_SIDE_GROUP)
PIPELINE_GROUPS = (*WAREHOUSE_GROUPS, *OUTPUT_GROUPS)
MONTHLY_JOB = "monthly_report_job"
WAREHOUSE_JOB = "warehouse_job"
REPORT_REFRESH_JOB = "report_refresh_job"
# Runs that rebuild and replace the warehouse file: the instance's dagster.yaml limits
# this tag to one queued run at a time; the warehouse lock guards every writer anyway.
WAREHOUSE_WRITER_TAG = "dean5299/warehouse_writer"


def job_selection(groups: tuple[str, ...]) -> dg.AssetSelection:
    """Whole asset groups, but never the templates: a month's templates go out before its
    reports come in, so they are written on demand (orchestration/units_side_assets.py)."""
    return dg.AssetSelection.groups(*groups) - dg.AssetSelection.assets(UNIT_TEMPLATES)


def asset_job(name: str, groups: tuple[str, ...], description: str, writer: str | None = None):
    """A job over whole asset groups; `writer` tags a run that replaces the warehouse."""
    return dg.define_asset_job(
        name,
        selection=job_selection(groups),
        tags={WAREHOUSE_WRITER_TAG: writer} if writer else None,
        description=description,
    )


# The same selection for the schedule and `dean5299 run`: the warehouse (every month)
# then the partition's report. A backfill of many months builds the warehouse once
# and renders their reports in the same run (the report's single-run backfill policy).
monthly_job = asset_job(
    MONTHLY_JOB,
    PIPELINE_GROUPS,
    "Nạp hộp thư, dựng kho (mọi tháng), kiểm tra, công bố, lập báo cáo tháng và phiếu phản "
    "hồi cho đơn vị (tháng = phân vùng). / Ingest the inbox, rebuild and check the "
    "warehouse (every month), publish it, write the partition month's report and the "
    "units' receipts.",
    writer="monthly",
)

# The warehouse alone: what the inbox sensor asks for when files arrive.
warehouse_job = asset_job(
    WAREHOUSE_JOB,
    WAREHOUSE_GROUPS,
    "Nạp hộp thư, dựng lại, kiểm tra và công bố kho (mọi tháng), không lập báo cáo. / "
    "Ingest, rebuild, check and publish the warehouse (every month); no report.",
    writer="warehouse",
)

# Only the reports, from the published warehouse (which holds every month).
report_refresh_job = asset_job(
    REPORT_REFRESH_JOB,
    OUTPUT_GROUPS,
    "Lập lại báo cáo tháng và phiếu phản hồi từ kho đã công bố (không dựng lại kho). / "
    "Render a month's report and receipts from the published warehouse (no rebuild).",
)

ACCEPTED_SUFFIXES = {".xlsx", ".xls", ".xlsb", ".ods", ".csv"}


def previous_month(day: date) -> str:
    return str(Month.containing(day).previous())


def published_deadlines(warehouse: Path) -> dict[date, str] | None:
    """deadline day -> reporting month (YYYY-MM), read-only from the published
    warehouse's marts.dim_reporting_period: the deadline rule lives in dbt
    (macros/submission_deadline.sql), never here. None when no warehouse is published
    yet, or it predates that mart."""
    import duckdb

    if not warehouse.is_file():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            rows = con.execute(
                "select strftime(period, '%Y-%m'), submission_deadline_date "
                "from marts.dim_reporting_period where submission_deadline_date is not null"
            ).fetchall()
    except duckdb.Error:
        return None
    return {deadline: month for month, deadline in rows}


def run_date_for(month: str, deadlines: dict[date, str]) -> date | None:
    """The day after month's deadline, as the published warehouse states it."""
    found = [deadline for deadline, name in deadlines.items() if name == month]
    return found[0] + timedelta(days=1) if found else None


def monthly_run_request(tick: datetime, warehouse: Path) -> dg.RunRequest | dg.SkipReason:
    """Ticks daily; runs on the day after a month's submission deadline, for that month
    (whose deadline day was yesterday, marts.dim_reporting_period of the published
    warehouse). The local (Asia/Ho_Chi_Minh) date decides, never the UTC one.

    Without a published warehouse (a new deployment) it skips, saying so: the deadline
    comes from the warehouse, and the first build comes from `dean5299 run` or from the
    inbox sensor, which builds as soon as it sees the inbox."""
    local = tick.astimezone(ZoneInfo(TIMEZONE)).date()
    deadlines = published_deadlines(warehouse)
    if deadlines is None:
        return dg.SkipReason(
            f"chưa có kho dữ liệu đã công bố có marts.dim_reporting_period ({warehouse}): hạn "
            "nộp được đọc từ kho; hãy chạy `dean5299 run --as-of YYYY-MM` một lần hoặc bật "
            "inbox_sensor / no published warehouse with the deadlines yet: run "
            "`dean5299 run` once or turn the inbox sensor on"
        )
    return run_request_for(local, deadlines)


def run_request_for(local: date, deadlines: dict[date, str]) -> dg.RunRequest | dg.SkipReason:
    """The decision for one local day, given the published deadlines."""
    month = deadlines.get(local - timedelta(days=1))
    if month is not None and month >= PROGRAMME_START:
        return dg.RunRequest(
            run_key=f"monthly-{month}",
            partition_key=month,
            tags={"dean5299/trigger": "schedule"},
        )
    upcoming = min((day for day in deadlines if day >= local), default=None)
    following = (
        f"hạn kế tiếp hết ngày {upcoming:%d/%m/%Y} (tháng {deadlines[upcoming]}) / next "
        f"deadline {upcoming:%Y-%m-%d} ({deadlines[upcoming]})"
        if upcoming
        else "không còn hạn nộp nào / no deadline ahead"
    )
    return dg.SkipReason(
        f"báo cáo tháng chạy ngày sau hạn nộp; {following} / runs the day after the deadline"
    )


@dg.schedule(
    job=monthly_job,
    cron_schedule="0 6 * * *",
    execution_timezone=TIMEZONE,
    description=(
        "06:00 giờ Việt Nam, ngày sau hạn nộp (marts.dim_reporting_period của kho đã công "
        "bố, theo submission_deadline_day 1–31): chạy cho tháng vừa hết hạn. Các ngày khác "
        "bỏ qua; chưa có kho thì bỏ qua. / 06:00 Asia/Ho_Chi_Minh on the day after a "
        "month's deadline (as the published warehouse states it): runs that month; other "
        "days, or without a published warehouse, it skips."
    ),
)
def monthly_schedule(context: dg.ScheduleEvaluationContext):
    # Read at each tick from the published warehouse: a changed submission_deadline_day
    # applies once a build has published it (docs/operations.md).
    return monthly_run_request(context.scheduled_execution_time, resolve_paths().warehouse)


# --- the inbox sensor ------------------------------------------------------------

CURSOR_VERSION = 2


@dataclass
class InboxCursor:
    """What the sensor remembers between ticks (stored as JSON in Dagster's cursor).

    files: relative path -> [size, mtime_ns, sha256], so an unchanged file (same size
    and mtime) is never hashed again. published: the storage id of the last warehouse
    publication whose changed months the sensor has rendered.
    """

    files: dict[str, list] = field(default_factory=dict)
    published: int = 0
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
        return cls(
            files=data.get("files", {}), published=int(data.get("published", 0)), initialised=True
        )

    def dump(self) -> str:
        return json.dumps(
            {"v": CURSOR_VERSION, "files": self.files, "published": self.published},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )


@dataclass
class InboxScan:
    files: dict[str, list]  # the new cursor's `files`
    new: dict[str, str]  # relative path -> sha256 of content not seen under that path


def scan_inbox(inbox: Path, known: dict[str, list]) -> InboxScan:
    """Lists accepted files the way ingestion does (symlink loops and links out of the
    inbox are never opened); hashes only those whose (size, mtime) changed."""
    from ingestion.inbox import iter_inbox_entries

    files: dict[str, list] = {}
    new: dict[str, str] = {}
    entries = sorted(iter_inbox_entries(inbox), key=lambda entry: entry.name)
    for entry in entries:
        if entry.skip_reason or Path(entry.name).suffix.lower() not in ACCEPTED_SUFFIXES:
            continue
        name = entry.name
        before = known.get(name)
        if before and before[0] == entry.size and before[1] == entry.mtime_ns:
            files[name] = before
            continue
        try:
            data = Path(entry.path).read_bytes()
        except OSError:
            continue  # vanished or unreadable: looked at again next tick
        sha = hashlib.sha256(data).hexdigest()
        files[name] = [entry.size, entry.mtime_ns, sha]
        if before and before[2] == sha:
            continue  # touched or copied over with the same bytes: nothing new
        new[name] = sha
    return InboxScan(files, new)


def inbox_fingerprint(inbox: Path) -> dict[str, str]:
    """relative path -> sha256 of every accepted file."""
    return {name: entry[2] for name, entry in scan_inbox(inbox, {}).files.items()}


def latest_complete_month(now: datetime) -> str:
    return previous_month(now.astimezone(ZoneInfo(TIMEZONE)).date())


def report_path(output: Path, month: str) -> Path:
    return output / month / f"bao_cao_{month}.md"


WRITER_JOBS = (MONTHLY_JOB, WAREHOUSE_JOB)
IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def _writer_runs_in_progress(instance: dg.DagsterInstance) -> bool:
    return any(
        instance.get_runs(
            filters=dg.RunsFilter(job_name=job, statuses=IN_PROGRESS), limit=1
        )
        for job in WRITER_JOBS
    )


def months_rendered_by(run: dg.DagsterRun | None) -> set[str]:
    """The months whose root report a run rendered: a monthly run's partitions, unless it
    rendered a group's report (--unit), which leaves the root's as it was."""
    from orchestration.reporting_assets import report_unit_of

    if run is None or run.job_name != MONTHLY_JOB or report_unit_of(run.run_config):
        return set()
    return set(run_months(run.tags))


def report_requests_after_publication(
    instance: dg.DagsterInstance, state: InboxCursor
) -> list[dg.RunRequest]:
    """Report runs for exactly the months whose root figures the newest warehouse
    publication changed, less the months its own run rendered (a monthly run), and
    only finished months (the report partitions)."""
    from orchestration.reporting_assets import CHANGED_MONTHS, PUBLISHED_WAREHOUSE

    result = instance.fetch_materializations(PUBLISHED_WAREHOUSE, limit=1)
    if not result.records:
        return []
    record = result.records[0]
    if record.storage_id <= state.published:
        return []
    state.published = record.storage_id
    materialization = record.asset_materialization
    entry = materialization.metadata.get(CHANGED_MONTHS) if materialization else None
    changed = [m for m in str(entry.value if entry else "").split(",") if m]
    run = instance.get_run_by_id(record.run_id)
    rendered = months_rendered_by(run)
    finished = set(monthly_partitions.get_partition_keys())
    return [
        dg.RunRequest(
            job_name=REPORT_REFRESH_JOB,
            partition_key=month,
            run_key=f"report-{month}-{record.storage_id}",
            tags={"dean5299/trigger": "inbox_sensor", "dean5299/after_run": record.run_id},
        )
        for month in changed
        if month in finished and month not in rendered
    ]


@dg.sensor(
    jobs=[warehouse_job, report_refresh_job],
    minimum_interval_seconds=300,
    description=(
        "Khi hộp thư có tệp mới hoặc đã sửa: dựng lại kho (mọi tháng); sau mỗi lần công bố "
        "kho: lập lại báo cáo của đúng những tháng có số liệu thay đổi. / New or corrected "
        "inbox files: one warehouse build (every month); after each publication, the "
        "reports of exactly the months whose figures changed."
    ),
)
def inbox_sensor(context: dg.SensorEvaluationContext):
    paths = resolve_paths()
    if not paths.inbox.is_dir():
        return dg.SkipReason(f"không thấy hộp thư / no inbox folder: {paths.inbox}")
    state = InboxCursor.load(context.cursor)
    requests = report_requests_after_publication(context.instance, state)

    if _writer_runs_in_progress(context.instance):
        # Files arriving now are looked at after that run: the cursor keeps them new.
        context.update_cursor(state.dump())
        return requests or dg.SkipReason(
            "đang dựng kho; xét hộp thư ở lần sau / a warehouse build is in progress"
        )

    scan = scan_inbox(paths.inbox, state.files)
    state.files = scan.files
    if scan.new:
        digest = hashlib.sha256(
            "\n".join(f"{name}\0{sha}" for name, sha in sorted(scan.new.items())).encode()
        ).hexdigest()
        requests.append(
            dg.RunRequest(
                job_name=WAREHOUSE_JOB,
                run_key=f"inbox-{digest[:16]}",
                tags={
                    "dean5299/trigger": "inbox_sensor",
                    "dean5299/new_files": str(len(scan.new)),
                },
            )
        )
        context.log.info(f"{len(scan.new)} new/changed file(s): warehouse build requested")
    context.update_cursor(state.dump())
    if requests:
        return requests
    return dg.SkipReason("hộp thư không có gì mới / nothing new in the inbox")


# The automation part of the code location: jobs, the monthly schedule, the inbox sensor.
defs = dg.Definitions(
    jobs=[monthly_job, warehouse_job, report_refresh_job],
    schedules=[monthly_schedule],
    sensors=[inbox_sensor],
)

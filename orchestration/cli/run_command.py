"""`dean5299 run`: the monthly pipeline through Dagster, with a progress display and a
one-line error when it fails."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from orchestration import quiet_third_party_warnings
from orchestration.cli.common import (
    InboxOption,
    OutputOption,
    ReferenceOption,
    UserError,
    WarehouseOption,
    app,
    check_as_of,
    fail,
    one_line,
    resolve_cli_paths,
)
from orchestration.settings import PipelinePaths


@dataclass
class RunOutcome:
    success: bool
    materialized: set
    missing: set
    failed_checks: list[str]
    failures: list[str]
    # What went wrong, one line each, most telling first: a step's own dg.Failure
    # description (invalid reference data), then each blocking check's message.
    error_lines: list[str] = field(default_factory=list)


@dataclass
class ProgressState:
    """What the progress display counts, fed by the run's Dagster events."""

    assets_done: set = field(default_factory=set)
    checks_done: int = 0
    step: str = ""


class ProgressHandler(logging.Handler):
    """Turns the run's Dagster events into progress-bar updates."""

    def __init__(self, progress, assets_task, checks_task) -> None:
        super().__init__(logging.DEBUG)
        self.progress = progress
        self.assets_task = assets_task
        self.checks_task = checks_task
        self.state = ProgressState()

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None:
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            self.state.step = event.step_key or ""
        elif kind == "ASSET_MATERIALIZATION" and event.asset_key is not None:
            self.state.assets_done.add(event.asset_key)
            self.progress.update(self.assets_task, completed=len(self.state.assets_done))
        elif kind == "ASSET_CHECK_EVALUATION":
            self.state.checks_done += 1
            self.progress.update(self.checks_task, completed=self.state.checks_done)
        else:
            return
        step = f"[dim]{self.state.step}[/dim]"
        self.progress.update(self.assets_task, step=step)


def _file_handler(log_path: Path) -> logging.Handler:
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    return handler


def check_report_unit(reference: Path, unit: str, as_of: str) -> str:
    """`--unit`'s code, checked against units.csv before any work (CONTRACT §10): '' for the
    root; a group active in the as-of month, with a child active then. UserError otherwise
    (the report asset checks again against the published warehouse)."""
    from ingestion.reference_files import ReferenceFileError, read_reference_file

    code = unit.strip().upper()
    if not code:
        return ""
    try:
        rows = read_reference_file(reference, "units").rows
    except ReferenceFileError as error:
        raise UserError(str(error)) from None

    def active(row: dict) -> bool:
        start, end = (row.get(key, "").strip()[:7] for key in ("active_from", "active_to"))
        return (not start or start <= as_of) and (not end or end >= as_of)

    unit_row = next((r for r in rows if r["unit_code"].strip().upper() == code), None)
    if unit_row is None:
        raise UserError(f"--unit {code}: không có trong units.csv / unknown unit {code}")
    if not unit_row.get("parent_code", "").strip():
        return ""  # the root: the province report, as without --unit
    name = unit_row.get("unit_name", "").strip()
    if not active(unit_row):
        raise UserError(
            f"--unit {code} ({name}): không hoạt động trong tháng {as_of} / not active in {as_of}"
        )
    if not any(
        r.get("parent_code", "").strip().upper() == code and active(r) for r in rows
    ):
        raise UserError(
            f"--unit {code} ({name}): là đơn vị báo cáo, không phải cụm/khối trong tháng "
            f"{as_of} / is a reporting unit, not a group, in {as_of}"
        )
    return code


def pipeline_run_config(paths: PipelinePaths | None) -> dict:
    """The CLI's folders as the `pipeline` resource's config (None: the resource's own)."""
    if paths is None:
        return {}
    folders = {
        "inbox": str(paths.inbox),
        "reference": str(paths.reference),
        "warehouse": str(paths.warehouse),
        "output": str(paths.output),
    }
    return {"resources": {"pipeline": {"config": folders}}}


def run_monthly_job(
    as_of: str,
    log_path: Path | None = None,
    console=None,
    unit_code: str = "",
    paths: PipelinePaths | None = None,
) -> RunOutcome:
    """Materialises the schedule's own job for the as-of partition, in this process.

    Every Dagster event goes to `log_path`; `console` (rich) shows a progress display.
    `unit_code` (a group's) renders that group's report instead of the root's. `paths`
    reach the run as the `pipeline` resource's config (never through os.environ).
    """
    import dagster as dg

    from orchestration.automation import MONTHLY_JOB, PIPELINE_GROUPS, job_selection
    from orchestration.definitions import defs
    from orchestration.reporting_assets import report_run_config

    graph = defs.resolve_asset_graph()
    expected = job_selection(PIPELINE_GROUPS).resolve(graph)
    checks = [key for key in graph.asset_check_keys if key.asset_key in expected]

    handlers: list[logging.Handler] = []
    if log_path is not None:
        handlers.append(_file_handler(log_path))
    progress = None
    if console is not None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[step]}"),
            console=console,
            # Live's own stdout redirection would send dbt's lines back to the terminal.
            redirect_stdout=False,
            redirect_stderr=False,
        )
        assets_task = progress.add_task("Tài sản / assets ", total=len(expected), step="")
        checks_task = progress.add_task("Kiểm tra / checks", total=len(checks), step="")
        handlers.append(ProgressHandler(progress, assets_task, checks_task))

    run_logger = logging.getLogger(f"dean5299.run.{os.getpid()}")
    run_logger.handlers = handlers
    run_logger.setLevel(logging.DEBUG)
    run_logger.propagate = False

    @dg.logger(description="dean5299: the run's log file and progress display")
    def cli_logger(_init_context):
        return run_logger

    job = defs.resolve_job_def(MONTHLY_JOB).with_logger_defs({"dean5299": cli_logger})
    if os.getenv("DAGSTER_HOME"):
        instance = dg.DagsterInstance.get()
    else:
        instance = dg.DagsterInstance.ephemeral()
    try:
        with progress if progress is not None else contextlib.nullcontext():
            result = job.execute_in_process(
                partition_key=as_of,
                instance=instance,
                raise_on_error=False,
                run_config={
                    "loggers": {"dean5299": {}},
                    **report_run_config(unit_code),
                    **pipeline_run_config(paths),
                },
                tags={"dean5299/trigger": "cli"},
            )
    finally:
        for handler in handlers:
            handler.close()
        run_logger.handlers = []

    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    failed_checks, error_lines = [], []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed or evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue
        message = check_message(graph, evaluation)
        failed_checks.append(
            f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            + (f" — {message}" if message else "")
        )
        if message:
            error_lines.append(message)
    failures, user_failures = [], []
    for event in result.get_step_failure_events():
        data = event.event_specific_data
        error = data.error
        message = (error.message or "").strip().splitlines()
        failures.append(f"{event.step_key}: {message[0] if message else error.cls_name}")
        described = getattr(data.user_failure_data, "description", None)
        # A plain dg.Failure is raised on purpose with a message for people (invalid
        # reference data); its subclasses (dagster-dbt's "The dbt CLI process …") are
        # not: a failed dbt test is told by its check's own line.
        if described and error.cls_name == "Failure":
            user_failures.append(described.strip().splitlines()[0])
    # A skipped downstream asset can hide behind a "successful" run: compare what ran.
    missing = set(expected) - materialized
    return RunOutcome(
        result.success and not missing,
        materialized,
        missing,
        failed_checks,
        failures,
        user_failures + error_lines,
    )


def check_message(graph, evaluation) -> str:
    """A failed check's one line: its own description (GX checks state what failed),
    else its definition's (dbt tests: `meta.description`), with dbt's failing rows."""
    message = (evaluation.description or "").strip()
    if not message:
        try:
            message = (graph.get_check_spec(evaluation.asset_check_key).description or "").strip()
        except Exception:  # a check outside the graph: its key says enough
            message = ""
    lines = message.splitlines()
    message = lines[0] if lines else ""
    failed_rows = evaluation.metadata.get("dagster_dbt/failed_row_count")
    if message and failed_rows is not None and failed_rows.value:
        message += f" ({failed_rows.value} dòng vi phạm / failing rows)"
    return message


def print_summary(
    paths: PipelinePaths, as_of: str, log_path: Path | None = None, unit_code: str = ""
) -> None:
    import duckdb

    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        files = dict(
            con.execute(
                "select status, count(*) from marts.fct_file_ingestion group by 1"
            ).fetchall()
        )
        rows = con.execute(
            "select coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
            "coalesce(sum(rows_rejected), 0) from marts.fct_file_ingestion"
        ).fetchone()
        issues = dict(
            con.execute(
                "select severity, count(*) from marts.fct_data_quality_issues "
                "where period <= strptime(? || '-01', '%Y-%m-%d')::date group by 1",
                [as_of],
            ).fetchall()
        )
        try:  # settings.csv as the reports read it; optional keys missing take §3 defaults
            settings = dict(
                con.execute(
                    "select setting_key, setting_value from staging.stg_reference__settings"
                ).fetchall()
            )
        except duckdb.Error:
            settings = None
    # Plain lines, never wrapped: people copy the report path, scripts grep it.
    typer.echo(
        "Tệp / files: " + ", ".join(f"{k} {v}" for k, v in sorted(files.items()))
        + f" | dòng / rows: đọc {rows[0]}, nạp {rows[1]}, loại {rows[2]}"
    )
    typer.echo(
        "Vấn đề dữ liệu / issues: "
        + ", ".join(f"{s} {issues.get(s, 0)}" for s in ("error", "warn", "info"))
    )
    report_folder = paths.output / as_of / unit_code if unit_code else paths.output / as_of
    typer.echo(f"Báo cáo / report: {report_folder / f'bao_cao_{as_of}.md'}")
    html, excel = (report_folder / f"bao_cao_{as_of}.{ext}" for ext in ("html", "xlsx"))
    typer.echo(f"  HTML: {html} | Excel: {excel}")
    if settings is not None:
        from reports.report_settings import report_settings

        defaulted = report_settings(settings, "").missing
        if defaulted:
            typer.echo("Thiết lập dùng mặc định / settings defaulted (§3): " + ", ".join(defaulted))
    if log_path is not None:
        typer.echo(f"Nhật ký / log: {log_path}")


def new_log_path(paths: PipelinePaths, as_of: str) -> Path:
    folder = paths.output / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"không tạo được thư mục nhật ký {folder}: {error.strerror}") from None
    return folder / f"run_{as_of}_{datetime.now():%Y%m%dT%H%M%S}.log"


@contextlib.contextmanager
def output_to(log_path: Path):
    """dbt's log lines (dagster-dbt writes them to stdout), warnings and anything else
    printed during the run go to the log file, not to the terminal."""
    with log_path.open("a", encoding="utf-8") as log_file:
        with (
            contextlib.redirect_stdout(log_file),
            contextlib.redirect_stderr(log_file),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("default")
            quiet_third_party_warnings()  # "default" above would let them through again
            yield log_file


@app.command(
    short_help="Chạy quy trình cho một tháng / run the pipeline for one month.",
)
def run(
    ctx: typer.Context,
    as_of: Annotated[
        str, typer.Option("--as-of", help="Tháng báo cáo / as-of month, YYYY-MM (2024-04).")
    ],
    inbox: InboxOption = None,
    reference: ReferenceOption = None,
    warehouse: WarehouseOption = None,
    output: OutputOption = None,
    unit: Annotated[
        str,
        typer.Option(
            "--unit",
            help="Báo cáo của một cụm/khối (mã đơn vị), vào <output>/YYYY-MM/<MÃ>/, không phải "
            "một lần phát hành / a group's report (its unit_code) into <output>/YYYY-MM/<CODE>/, "
            "not a publication; default: the root.",
        ),
    ] = "",
    wait: Annotated[
        bool,
        typer.Option(
            "--wait",
            help="Chờ lần chạy khác (đang ghi kho) xong rồi chạy / wait for another run "
            "writing the warehouse to finish, instead of stopping at once.",
        ),
    ] = False,
):
    """Chạy toàn bộ quy trình cho một tháng: nạp hộp thư, dựng và kiểm tra kho, công bố, lập báo cáo. Nhật ký chi tiết (cả của dbt) ghi vào DEAN5299_OUTPUT/logs/.

    Run the monthly pipeline for one month (ingest, build and check the warehouse, publish, write the report). The detailed log, dbt's included, goes to DEAN5299_OUTPUT/logs/.
    """  # noqa: E501 - typer keeps a docstring's line breaks
    from rich.console import Console

    from orchestration.preflight import PreflightError, check_run_environment

    try:
        check_as_of(as_of)
        paths = resolve_cli_paths(inbox, reference, warehouse, output)
        check_run_environment()  # engine, Java, Dagster's PostgreSQL: before any work
        unit_code = check_report_unit(paths.reference, unit, as_of)
        log_path = new_log_path(paths, as_of)
    except (UserError, PreflightError) as error:
        fail(str(error))
    from orchestration import publishing, warehouse_lock

    try:  # one warehouse writer at a time; released when the command ends (ctx closes)
        ctx.with_resource(warehouse_lock.holding(
            paths.warehouse, f"cli-{os.getpid()}", wait=wait, output=paths.output,
            on_wait=lambda info: typer.echo(warehouse_lock.waiting_message(info)),
        ))
    except warehouse_lock.WarehouseBusy as busy:
        fail(f"{busy}; --wait để chờ / to wait")
    except OSError as error:  # the lock file cannot be made: a read-only or full disk
        lock = warehouse_lock.lock_path(paths.warehouse)
        fail(publishing.disk_full_report(paths.warehouse, [str(error)])
             or f"không tạo được tệp khóa / cannot create the lock file {lock}: {error.strerror}")
    console = Console(file=sys.stdout, highlight=False)
    typer.echo(f"Đề án 5299 — tháng / as-of {as_of} — hộp thư / inbox {paths.inbox}")

    try:
        with output_to(log_path):
            from orchestration.dbt_manifest import ensure_manifest

            ensure_manifest()
            outcome = run_monthly_job(as_of, log_path, console, unit_code, paths)
    except Exception as error:  # an unexpected failure: one line here, the rest in the log
        with log_path.open("a", encoding="utf-8") as log_file:
            traceback.print_exc(file=log_file)
        if publishing.is_disk_full(error):
            fail(publishing.disk_full_report(paths.warehouse, [str(error)]) or str(error), 1)
        fail(f"{one_line(error)} (chi tiết / details: {log_path})", code=1)

    if not outcome.success:
        # Details on stdout; the error itself stays one line on stderr.
        for check in outcome.failed_checks:
            typer.echo(f"  kiểm tra bắt buộc không đạt / blocking check failed: {check}")
        for failure in outcome.failures:
            typer.echo(f"  bước lỗi / failed step: {failure}")
        disk_full = publishing.disk_full_report(paths.warehouse, outcome.failures, log_path)
        if disk_full:
            fail(f"{disk_full} (log: {log_path})", code=1)
        from orchestration.reporting_assets import PUBLISHED_WAREHOUSE

        published = PUBLISHED_WAREHOUSE in outcome.materialized
        state = (
            "kho đã được công bố, báo cáo chưa lập / the warehouse was published, the report "
            "was not written"
            if published
            else "kho đã công bố giữ nguyên / the published warehouse is unchanged"
        )
        if outcome.error_lines:  # what went wrong, named: e.g. "units.csv: thiếu cột …"
            fail(f"{outcome.error_lines[0]} — {state} (log: {log_path})", code=1)
        not_done = sorted(key.to_user_string() for key in outcome.missing)
        # `state` says whether the warehouse was published before the run stopped.
        fail(
            f"lần chạy không hoàn tất / the run did not complete — {state} "
            f"({len(not_done)} not materialised; log: {log_path})",
            code=1,
        )
    try:
        print_summary(paths, as_of, log_path, unit_code)
    except Exception as error:
        fail(f"không đọc được kho đã công bố / cannot read the warehouse: {one_line(error)}", 1)

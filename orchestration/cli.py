"""`dean5299`: run the monthly pipeline through Dagster and read what it published."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import traceback
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from orchestration.settings import PipelinePaths, resolve_paths

app = typer.Typer(
    help=(
        "Đề án 5299: nạp báo cáo đơn vị từ hộp thư, dựng kho dữ liệu DuckDB, kiểm tra và lập "
        "báo cáo tháng — cùng các bước mà lịch chạy hằng tháng của Dagster thực hiện.\n\n"
        "Đề án 5299 pipeline: load unit reports from the inbox, build and check the DuckDB "
        "warehouse, write the month's report — the same steps as Dagster's monthly schedule.\n\n"
        "Thư mục / folders: DEAN5299_INBOX, DEAN5299_REFERENCE, DEAN5299_WAREHOUSE, "
        "DEAN5299_OUTPUT (mặc định: mẫu đi kèm / default: the shipped sample)."
    ),
    epilog=(
        "Ví dụ / examples: dean5299 run --as-of 2024-04 · dean5299 status --as-of 2024-02 · "
        "giao diện / UI: make dev (docs/operations.md)"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

AS_OF_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
REFERENCE_FILES = ("units.csv", "targets.csv", "population.csv", "settings.csv")


# The folder options every command shares (CONTRACT §5 variables; empty = the variable).
InboxOption = Annotated[
    Path | None, typer.Option(help="Hộp thư / inbox folder (DEAN5299_INBOX).")
]
ReferenceOption = Annotated[
    Path | None, typer.Option(help="Danh mục / reference folder (DEAN5299_REFERENCE).")
]
WarehouseOption = Annotated[
    Path | None, typer.Option(help="Tệp kho DuckDB / warehouse file (DEAN5299_WAREHOUSE).")
]
OutputOption = Annotated[
    Path | None, typer.Option(help="Thư mục báo cáo / output folder (DEAN5299_OUTPUT).")
]


class UserError(Exception):
    """A mistake the user can fix: printed as one line, no traceback."""


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"Lỗi / error: {message}", err=True)
    raise typer.Exit(code)


def check_as_of(as_of: str) -> str:
    if not AS_OF_PATTERN.match(as_of or ""):
        raise UserError(
            f"--as-of phải có dạng YYYY-MM (ví dụ 2024-04), nhận được '{as_of}' / "
            "expected YYYY-MM"
        )
    from orchestration.partitions import monthly_partitions

    if as_of not in monthly_partitions.get_partition_keys():
        raise UserError(
            f"--as-of {as_of} nằm ngoài phạm vi: từ 2022-01 đến tháng vừa kết thúc (tháng đang "
            "diễn ra chưa lập báo cáo được) / outside the months that can be reported (2022-01 "
            "through the last finished month)"
        )
    return as_of


def resolve_cli_paths(inbox, reference, warehouse, output) -> PipelinePaths:
    overrides = {
        "DEAN5299_INBOX": inbox,
        "DEAN5299_REFERENCE": reference,
        "DEAN5299_WAREHOUSE": warehouse,
        "DEAN5299_OUTPUT": output,
    }
    env = {**os.environ, **{k: str(v) for k, v in overrides.items() if v}}
    paths = resolve_paths(env)
    if not paths.inbox.is_dir():
        raise UserError(f"không tìm thấy thư mục hộp thư (DEAN5299_INBOX): {paths.inbox}")
    if not paths.reference.is_dir():
        raise UserError(
            f"không tìm thấy thư mục danh mục (DEAN5299_REFERENCE): {paths.reference}"
        )
    missing = [name for name in REFERENCE_FILES if not (paths.reference / name).is_file()]
    if missing:
        raise UserError(f"thư mục danh mục {paths.reference} thiếu tệp: {', '.join(missing)}")
    return paths


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


def run_monthly_job(as_of: str, log_path: Path | None = None, console=None) -> RunOutcome:
    """Materialises the schedule's own job for the as-of partition, in this process.

    Every Dagster event goes to `log_path`; `console` (rich) shows a progress display.
    """
    import dagster as dg

    from orchestration.automation import MONTHLY_JOB, PIPELINE_GROUPS
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    expected = dg.AssetSelection.groups(*PIPELINE_GROUPS).resolve(graph)
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
                run_config={"loggers": {"dean5299": {}}},
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


def print_summary(paths: PipelinePaths, as_of: str, log_path: Path | None = None) -> None:
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
    # Plain lines, never wrapped: people copy the report path, scripts grep it.
    typer.echo(
        "Tệp / files: " + ", ".join(f"{k} {v}" for k, v in sorted(files.items()))
        + f" | dòng / rows: đọc {rows[0]}, nạp {rows[1]}, loại {rows[2]}"
    )
    typer.echo(
        "Vấn đề dữ liệu / issues: "
        + ", ".join(f"{s} {issues.get(s, 0)}" for s in ("error", "warn", "info"))
    )
    report_folder = paths.output / as_of
    typer.echo(f"Báo cáo / report: {report_folder / f'bao_cao_{as_of}.md'}")
    html, excel = (report_folder / f"bao_cao_{as_of}.{ext}" for ext in ("html", "xlsx"))
    typer.echo(f"  HTML: {html} | Excel: {excel}")
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
            yield log_file


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


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

    try:
        check_as_of(as_of)
        paths = resolve_cli_paths(inbox, reference, warehouse, output)
        log_path = new_log_path(paths, as_of)
    except UserError as error:
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
    os.environ.update(paths.as_env())
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    console = Console(file=sys.stdout, highlight=False)
    typer.echo(f"Đề án 5299 — tháng / as-of {as_of} — hộp thư / inbox {paths.inbox}")

    try:
        with output_to(log_path):
            from orchestration.dbt_manifest import ensure_manifest

            ensure_manifest()
            outcome = run_monthly_job(as_of, log_path, console)
    except Exception as error:  # an unexpected failure: one line here, the rest in the log
        with log_path.open("a", encoding="utf-8") as log_file:
            traceback.print_exc(file=log_file)
        if publishing.is_disk_full(error):
            fail(publishing.disk_full_report(paths.warehouse, [str(error)]) or str(error), 1)
        fail(f"{_one_line(error)} (chi tiết / details: {log_path})", code=1)

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
        fail(
            "lần chạy không hoàn tất, kho đã công bố giữ nguyên / the run did not complete, the "
            f"published warehouse is unchanged ({len(not_done)} not materialised; "
            f"log: {log_path})",
            code=1,
        )
    try:
        print_summary(paths, as_of, log_path)
    except Exception as error:
        fail(f"không đọc được kho đã công bố / cannot read the warehouse: {_one_line(error)}", 1)


SUBMISSION_QUERY = """
    with files as (
        select unit_code, period, string_agg(distinct source_file, ', ') as source_files
        from marts.fct_measure_monthly group by 1, 2
    )
    select s.unit_code, u.unit_name, s.status, s.is_late,
           strftime(timezone('Asia/Ho_Chi_Minh', s.received_at), '%d/%m/%Y %H:%M'),
           f.source_files
    from marts.fct_submission_status s
    join marts.dim_unit u using (unit_code)
    left join files f on f.unit_code = s.unit_code and f.period = s.period
    where s.period = strptime(? || '-01', '%Y-%m-%d')::date
    order by s.status desc, u.unit_name
"""


def published_deadline(con, as_of: str):
    """The month's deadline day as the warehouse states it (marts.dim_reporting_period,
    the one place the rule is computed); None from a warehouse that predates the mart."""
    import duckdb

    try:
        row = con.execute(
            "select submission_deadline_date from marts.dim_reporting_period "
            "where period = strptime(? || '-01', '%Y-%m-%d')::date",
            [as_of],
        ).fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None


@app.command(
    short_help="Ai đã nộp, ai chưa nộp trong tháng / who reported for a month.",
)
def status(
    as_of: Annotated[str, typer.Option("--as-of", help="Tháng báo cáo / month, YYYY-MM.")],
    warehouse: WarehouseOption = None,
):
    """Tình hình nộp báo cáo một tháng theo kho đã công bố: đơn vị đã nộp (tệp nào, khi nào, có muộn không) và đơn vị chưa nộp.

    Who reported for a month, from the published warehouse: which file won, when it was received, whether it was late, and who is missing.
    """  # noqa: E501 - typer keeps a docstring's line breaks
    import duckdb

    try:
        check_as_of(as_of)
    except UserError as error:
        fail(str(error))
    env = {**os.environ, **({"DEAN5299_WAREHOUSE": str(warehouse)} if warehouse else {})}
    path = resolve_paths(env).warehouse
    if not path.is_file():
        fail(f"chưa có kho dữ liệu đã công bố tại {path}: hãy chạy `dean5299 run` trước")
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            rows = con.execute(SUBMISSION_QUERY, [as_of]).fetchall()
            deadline = published_deadline(con, as_of)
    except duckdb.Error as error:
        fail(f"không đọc được kho {path} / cannot read the warehouse: {_one_line(error)}", 1)
    if not rows:
        fail(f"kho dữ liệu không có tháng {as_of} / the warehouse has no month {as_of}", code=1)
    submitted = [row for row in rows if row[2] == "submitted"]
    late = [row for row in submitted if row[3]]
    typer.echo(
        f"Tháng / month {as_of}: {len(submitted)} đã nộp / submitted ({len(late)} muộn / late), "
        f"{len(rows) - len(submitted)} chưa nộp / missing"
        + (f", hạn nộp hết ngày {deadline:%d/%m/%Y} / deadline" if deadline else "")
        + f" — {path}"
    )
    for code, name, state, is_late, received, source in rows:
        label = {"submitted": "đã nộp", "missing": "CHƯA NỘP"}[state]
        label += " (muộn)" if is_late else ""
        typer.echo(f"{code:<8} {name:<36} {label:<16} {received or '':<17} {source or ''}")


CLOSE_DATA_QUERY = """
    select count(*) from marts.fct_submission_status
    where period = strptime(? || '-01', '%Y-%m-%d')::date and status = 'submitted'
"""


@app.command(
    short_help="Chốt số liệu một tháng (hoặc mở lại) / close a month's figures (or reopen).",
)
def close(
    period: Annotated[str, typer.Option("--period", help="Tháng / month, YYYY-MM.")],
    by: Annotated[
        str | None, typer.Option("--by", help="Người chốt / who closes it (bắt buộc khi chốt).")
    ] = None,
    reopen: Annotated[
        bool, typer.Option("--reopen", help="Mở lại tháng đã chốt / reopen a closed month.")
    ] = False,
    note: Annotated[str, typer.Option("--note", help="Ghi chú / note.")] = "",
    reference: ReferenceOption = None,
    warehouse: WarehouseOption = None,
):
    """Chốt số liệu tháng: thêm một dòng vào closures.csv (giờ hiện tại). Bản nộp lại sau khi chốt được giữ và hiện trong báo cáo, không được áp dụng cho đến khi chốt lại. Áp dụng ở lần chạy sau.

    Close a month (CONTRACT §9): appends a row to closures.csv with the current time; versions received later are kept and shown, never applied, until the month is closed again. Takes effect at the next run.
    """  # noqa: E501 - typer keeps a docstring's line breaks
    import duckdb

    from ingestion.closures import append_closure, is_closed
    from ingestion.reference_files import ReferenceFileError

    if not AS_OF_PATTERN.match(period or ""):
        fail(f"--period phải có dạng YYYY-MM (ví dụ 2024-03), nhận được '{period}'")
    if not reopen and not (by or "").strip():
        fail("--by: hãy ghi tên người chốt số liệu / who closes the month")
    overrides = {"DEAN5299_REFERENCE": reference, "DEAN5299_WAREHOUSE": warehouse}
    paths = resolve_paths({**os.environ, **{k: str(v) for k, v in overrides.items() if v}})
    if not paths.reference.is_dir():
        fail(f"không tìm thấy thư mục danh mục (DEAN5299_REFERENCE): {paths.reference}")
    try:
        if reopen:
            if not is_closed(paths.reference, period):
                fail(f"tháng {period} chưa chốt, không có gì để mở lại; không ghi gì")
        else:
            submitted = 0
            if paths.warehouse.is_file():
                with duckdb.connect(str(paths.warehouse), read_only=True) as con:
                    submitted = con.execute(CLOSE_DATA_QUERY, [period]).fetchone()[0]
            if not submitted:
                fail(
                    f"tháng {period} chưa có số liệu trong kho đã công bố ({paths.warehouse}); "
                    "không ghi gì / the published warehouse has no data for that month"
                )
        row = append_closure(paths.reference, period, (by or "").strip(), note, reopen=reopen)
    except ReferenceFileError as error:
        fail(str(error))
    except (OSError, duckdb.Error) as error:
        fail(f"không ghi được closures.csv / cannot write closures.csv: {_one_line(error)}", 1)
    done = "Mở lại / reopened" if reopen else f"Đã chốt / closed at {row['closed_at']}"
    typer.echo(
        f"{done}: tháng {period} — {paths.reference / 'closures.csv'}. "
        f"Chạy `dean5299 run --as-of …` để áp dụng / run again to apply."
    )



def _published_warehouse(warehouse: Path | None) -> Path:
    env = {**os.environ, **({"DEAN5299_WAREHOUSE": str(warehouse)} if warehouse else {})}
    path = resolve_paths(env).warehouse
    if not path.is_file():
        fail(f"chưa có kho dữ liệu đã công bố tại {path}: hãy chạy `dean5299 run` trước")
    return path


@app.command(
    short_help="Mẫu báo cáo tháng cho từng đơn vị / each unit's report template for a month.",
)
def templates(
    period: Annotated[str, typer.Option("--period", help="Tháng / month, YYYY-MM.")],
    warehouse: WarehouseOption = None,
    output: OutputOption = None,
):
    """Viết mẫu báo cáo (Excel, đã khóa trừ ô nhập số liệu) cho mỗi đơn vị báo cáo hoạt động trong tháng, vào DEAN5299_OUTPUT/mau_bao_cao/YYYY-MM/; cột Lũy kế cộng sẵn số liệu chính thức các tháng trước của năm.

    Write each reporting unit's template for the month (CONTRACT §11) into DEAN5299_OUTPUT/mau_bao_cao/YYYY-MM/, from the published warehouse.
    """  # noqa: E501 - typer keeps a docstring's line breaks
    import duckdb

    from outbox.templates import write_templates

    if not AS_OF_PATTERN.match(period or ""):
        fail(f"--period phải có dạng YYYY-MM (ví dụ 2024-05), nhận được '{period}'")
    path = _published_warehouse(warehouse)
    env = {**os.environ, **({"DEAN5299_OUTPUT": str(output)} if output else {})}
    try:
        written = write_templates(path, resolve_paths(env).output, period)
    except (OSError, duckdb.Error) as error:
        fail(f"không viết được mẫu báo cáo / cannot write the templates: {_one_line(error)}", 1)
    if not written:
        fail(f"không có đơn vị báo cáo nào hoạt động trong tháng {period}", 1)
    typer.echo(
        f"Mẫu báo cáo / templates {period}: {len(written)} đơn vị / units — {written[0].parent}"
    )


def main() -> None:
    try:
        app()
    except UserError as error:  # pragma: no cover - commands turn these into exits
        typer.echo(f"Lỗi / error: {error}", err=True)
        sys.exit(2)

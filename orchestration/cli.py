"""`dean5299`: run the monthly pipeline through Dagster and read what it published."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import typer

from orchestration.settings import PipelinePaths, resolve_paths

app = typer.Typer(
    help="Đề án 5299: nạp báo cáo đơn vị, dựng kho dữ liệu và lập báo cáo tháng.\n\n"
    "Đề án 5299 pipeline: load unit reports, build the warehouse, write the month's report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

AS_OF_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
REFERENCE_FILES = ("units.csv", "targets.csv", "population.csv", "settings.csv")


class UserError(Exception):
    """A mistake the user can fix: printed as one line, no traceback."""


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"Lỗi / error: {message}", err=True)
    raise typer.Exit(code)


def check_as_of(as_of: str) -> str:
    if not AS_OF_PATTERN.match(as_of or ""):
        raise UserError(f"--as-of phải có dạng YYYY-MM (ví dụ 2024-04), nhận được '{as_of}'")
    from orchestration.partitions import monthly_partitions

    if as_of not in monthly_partitions.get_partition_keys():
        raise UserError(f"--as-of {as_of} nằm ngoài phạm vi của Đề án (từ 2022-01 đến tháng hiện tại)")
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
        raise UserError(f"không tìm thấy thư mục danh mục (DEAN5299_REFERENCE): {paths.reference}")
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


def run_monthly_job(as_of: str) -> RunOutcome:
    """Materialises the schedule's own job for the as-of partition, in this process."""
    import dagster as dg

    from orchestration.automation import PIPELINE_GROUPS
    from orchestration.definitions import defs

    job = defs.resolve_job_def("monthly_report_job")
    instance = dg.DagsterInstance.get() if os.getenv("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(
        partition_key=as_of,
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
    )
    expected = dg.AssetSelection.groups(*PIPELINE_GROUPS).resolve(defs.resolve_asset_graph())
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    failed_checks = [
        f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        for evaluation in result.get_asset_check_evaluations()
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    ]
    failures = []
    for event in result.get_step_failure_events():
        error = event.event_specific_data.error
        message = (error.message or "").strip().splitlines()
        failures.append(f"{event.step_key}: {message[0] if message else error.cls_name}")
    # A skipped downstream asset can hide behind a "successful" run: compare what ran.
    missing = set(expected) - materialized
    return RunOutcome(result.success and not missing, materialized, missing, failed_checks, failures)


def print_summary(paths: PipelinePaths, as_of: str) -> None:
    import duckdb

    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        files = dict(con.execute("select status, count(*) from marts.fct_file_ingestion group by 1").fetchall())
        rows = con.execute(
            "select coalesce(sum(rows_read),0), coalesce(sum(rows_loaded),0), coalesce(sum(rows_rejected),0) "
            "from marts.fct_file_ingestion"
        ).fetchone()
        issues = dict(
            con.execute("select severity, count(*) from marts.fct_data_quality_issues group by 1").fetchall()
        )
    typer.echo(
        "Tệp / files: " + ", ".join(f"{k} {v}" for k, v in sorted(files.items()))
        + f" | dòng / rows: đọc {rows[0]}, nạp {rows[1]}, loại {rows[2]}"
        + " | vấn đề / issues: " + ", ".join(f"{s} {issues.get(s, 0)}" for s in ("error", "warn", "info"))
    )
    typer.echo(f"Báo cáo / report: {paths.output / as_of / f'bao_cao_{as_of}.md'}")


PathOption = typer.Option(None, file_okay=False, resolve_path=False)


@app.command()
def run(
    as_of: str = typer.Option(..., "--as-of", help="Tháng báo cáo / as-of month, YYYY-MM."),
    inbox: Path | None = typer.Option(None, help="Hộp thư / inbox folder (DEAN5299_INBOX)."),
    reference: Path | None = typer.Option(None, help="Danh mục / reference folder (DEAN5299_REFERENCE)."),
    warehouse: Path | None = typer.Option(None, help="Tệp kho DuckDB / warehouse file (DEAN5299_WAREHOUSE)."),
    output: Path | None = typer.Option(None, help="Thư mục báo cáo / output folder (DEAN5299_OUTPUT)."),
):
    """Chạy toàn bộ quy trình cho một tháng / run the monthly pipeline and write the report."""
    try:
        check_as_of(as_of)
        paths = resolve_cli_paths(inbox, reference, warehouse, output)
    except UserError as error:
        fail(str(error))
    os.environ.update(paths.as_env())
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    typer.echo(f"Đang chạy / running Đề án 5299 for {as_of} (inbox {paths.inbox}) ...")

    from orchestration.dbt_manifest import ensure_manifest

    ensure_manifest()
    outcome = run_monthly_job(as_of)
    if not outcome.success:
        if outcome.failed_checks:
            typer.echo("Kiểm tra bắt buộc không đạt / blocking checks failed: " + ", ".join(outcome.failed_checks), err=True)
        for failure in outcome.failures:
            typer.echo(f"Bước lỗi / failed step: {failure}", err=True)
        not_done = sorted(key.to_user_string() for key in outcome.missing)
        fail(
            "lần chạy không hoàn tất; kho dữ liệu đã công bố giữ nguyên / the run did not complete, "
            f"the published warehouse is unchanged (not materialised: {', '.join(not_done) or '-'})",
            code=1,
        )
    print_summary(paths, as_of)


@app.command()
def status(
    as_of: str = typer.Option(..., "--as-of", help="Tháng báo cáo / month, YYYY-MM."),
    warehouse: Path | None = typer.Option(None, help="Tệp kho DuckDB / warehouse file."),
):
    """Đơn vị nào đã nộp, nộp muộn, chưa nộp / who reported for a month (published warehouse)."""
    import duckdb

    try:
        check_as_of(as_of)
    except UserError as error:
        fail(str(error))
    env = {**os.environ, **({"DEAN5299_WAREHOUSE": str(warehouse)} if warehouse else {})}
    path = resolve_paths(env).warehouse
    if not path.is_file():
        fail(f"chưa có kho dữ liệu đã công bố tại {path}: hãy chạy `dean5299 run` trước")
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            """
            select s.unit_code, u.unit_name, s.status, s.is_late,
                   strftime(timezone('Asia/Ho_Chi_Minh', s.received_at), '%d/%m/%Y %H:%M')
            from marts.fct_submission_status s join marts.dim_unit u using (unit_code)
            where s.period = strptime(? || '-01', '%Y-%m-%d')::date order by s.status, u.unit_name
            """,
            [as_of],
        ).fetchall()
    if not rows:
        fail(f"kho dữ liệu không có tháng {as_of}", code=1)
    for code, name, state, late, received in rows:
        label = {"submitted": "đã nộp", "missing": "CHƯA NỘP"}[state] + (" (muộn)" if late else "")
        typer.echo(f"{code:<8} {name:<40} {label:<16} {received or ''}")


def main() -> None:
    try:
        app()
    except UserError as error:  # pragma: no cover - commands turn these into exits
        typer.echo(f"Lỗi / error: {error}", err=True)
        sys.exit(2)

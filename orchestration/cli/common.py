"""What every command shares: the Typer app, the folder options, one-line errors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from forms.month import Month
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
    if not Month.is_valid(as_of or ""):
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



def check_period(period: str, example: str = "2024-05") -> str:
    """A `--period` that names a month (no range check: closing or templating any month)."""
    if not Month.is_valid(period or ""):
        raise UserError(f"--period phải có dạng YYYY-MM (ví dụ {example}), nhận được '{period}'")
    return period


def require_period(period: str, example: str = "2024-05") -> str:
    """`check_period` for a command: a bad `--period` is its one-line error (exit 2)."""
    try:
        return check_period(period, example)
    except UserError as error:
        fail(str(error))


def published_warehouse(warehouse: Path | None) -> Path:
    env = {**os.environ, **({"DEAN5299_WAREHOUSE": str(warehouse)} if warehouse else {})}
    path = resolve_paths(env).warehouse
    if not path.is_file():
        fail(f"chưa có kho dữ liệu đã công bố tại {path}: hãy chạy `dean5299 run` trước")
    return path


def one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__

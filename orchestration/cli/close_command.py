"""`dean5299 close`: close a month's figures (chốt số liệu, CONTRACT §9) or reopen it."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from orchestration.cli.common import (
    ReferenceOption,
    WarehouseOption,
    app,
    fail,
    one_line,
    require_period,
)
from orchestration.settings import resolve_paths

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

    require_period(period, "2024-03")
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
        fail(f"không ghi được closures.csv / cannot write closures.csv: {one_line(error)}", 1)
    done = "Mở lại / reopened" if reopen else f"Đã chốt / closed at {row['closed_at']}"
    typer.echo(
        f"{done}: tháng {period} — {paths.reference / 'closures.csv'}. "
        f"Chạy `dean5299 run --as-of …` để áp dụng / run again to apply."
    )

"""`dean5299 templates`: each reporting unit's prefilled template for a month (§11)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from orchestration.cli.common import (
    OutputOption,
    WarehouseOption,
    app,
    fail,
    one_line,
    published_warehouse,
    require_period,
)
from orchestration.settings import resolve_paths


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

    require_period(period, "2024-05")
    path = published_warehouse(warehouse)
    env = {**os.environ, **({"DEAN5299_OUTPUT": str(output)} if output else {})}
    try:
        written = write_templates(path, resolve_paths(env).output, period)
    except (OSError, duckdb.Error) as error:
        fail(f"không viết được mẫu báo cáo / cannot write the templates: {one_line(error)}", 1)
    if not written:
        fail(f"không có đơn vị báo cáo nào hoạt động trong tháng {period}", 1)
    typer.echo(
        f"Mẫu báo cáo / templates {period}: {len(written)} đơn vị / units — {written[0].parent}"
    )

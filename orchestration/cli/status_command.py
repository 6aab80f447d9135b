"""`dean5299 status`: who reported for a month, from the published warehouse."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from orchestration.cli.common import UserError, WarehouseOption, app, check_as_of, fail, one_line
from orchestration.settings import resolve_paths

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
        fail(f"không đọc được kho {path} / cannot read the warehouse: {one_line(error)}", 1)
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

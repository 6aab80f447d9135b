"""Tables shown in the Dagster UI's asset metadata (markdown), numbers written the
Vietnamese way as the report writes them (45.600; 8,46)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from forms.vi_format import figure


def _md_cell(value: Any) -> str:
    return figure(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]], limit: int = 50) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"\n… {len(rows) - limit} dòng nữa / more rows")
    return "\n".join(lines)


def province_progress_markdown(warehouse: Path, as_of: str) -> str:
    """A preview table of the province's progress, for the asset's metadata in the UI."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select p.indicator_code,
                   strftime(p.window_start, '%Y-%m') || '..' || strftime(p.window_end, '%Y-%m'),
                   p.numerator, p.denominator, round(p.actual_value, 2), p.target_value,
                   round(p.achievement_pct, 2)
            from marts.fct_indicator_progress p
            join marts.dim_unit u on u.unit_code = p.unit_code and u.level = 'province'
            where p.as_of = strptime(? || '-01', '%Y-%m-%d')::date
            order by 1, 2
            """,
            [as_of],
        ).fetchall()
    return markdown_table(
        ["chỉ tiêu", "kỳ", "tử số", "mẫu số", "kết quả", "chỉ tiêu giao", "% đạt"], rows
    )

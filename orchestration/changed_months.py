"""Which months' published figures a new build changes: the sensor renders exactly
those months' reports after a warehouse build (docs/operations.md)."""

from __future__ import annotations

from pathlib import Path

import duckdb

# The root's progress rows (what a report's figures are), compared as whole rows.
_ROOT_ROWS = """
    select p.as_of, p.indicator_code, p.window_start, p.window_end, p.numerator,
           p.denominator, p.actual_value, p.target_value, p.achievement_pct
    from {db}.marts.fct_indicator_progress p
    join {db}.marts.dim_unit u on u.unit_code = p.unit_code and u.level = 'province'
"""


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def changed_months(published: Path, build: Path) -> list[str]:
    """YYYY-MM of every as-of month whose root figures differ between the published
    warehouse (missing: nothing published yet) and the new build."""
    with duckdb.connect() as con:
        con.execute(f"attach {_sql_path(build)} as new_build (read_only)")
        if not published.exists():
            rows = con.execute(
                "select distinct strftime(as_of, '%Y-%m') "
                "from new_build.marts.fct_indicator_progress"
            ).fetchall()
            return sorted(month for (month,) in rows)
        con.execute(f"attach {_sql_path(published)} as old_published (read_only)")
        new_rows = _ROOT_ROWS.format(db="new_build")
        old_rows = _ROOT_ROWS.format(db="old_published")
        rows = con.execute(
            f"""
            select distinct strftime(as_of, '%Y-%m') from (
                ({new_rows} except {old_rows})
                union all
                ({old_rows} except {new_rows})
            )
            """
        ).fetchall()
    return sorted(month for (month,) in rows)

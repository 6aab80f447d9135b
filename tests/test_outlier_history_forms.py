"""dq_outlier_vs_history as compiled now (a window of earlier values as a list, list_median)
gives exactly the rows of the self-join form it replaced (benchmarks/outlier_memory.py
OLD_SQL, the form that needed more than 3 GB at 10.000 × 72): every scored month (the
final |z| > 3.5 filter dropped) and the flagged ones, EXCEPT ALL both ways, on the
hand-made case (MAD 0, mean AD 0, even counts, < 3 months, gaps, > 12 months) and on a
small generated warehouse. Real dbt compile, real DuckDB."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "outlier_memory", ROOT / "benchmarks" / "outlier_memory.py"
)
outlier_memory = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(outlier_memory)


@pytest.fixture(scope="module")
def new_sql(tmp_path_factory) -> str:
    return outlier_memory.compiled_model(tmp_path_factory.mktemp("compile"))


def _results(path: Path, forms: dict[str, str]) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path)) as con:
        con.execute("set threads = 2")
        return {name: con.execute(sql).fetchall() for name, sql in forms.items()}


def _differences(path: Path, old: str, new: str) -> tuple[int, int, int]:
    with duckdb.connect(str(path)) as con:
        con.execute(f"create or replace temp table old_rows as {old}")
        con.execute(f"create or replace temp table new_rows as {new}")
        count = con.execute("select count(*) from old_rows").fetchone()[0]
        only_old = con.execute(
            "select count(*) from (from old_rows except all from new_rows)").fetchone()[0]
        only_new = con.execute(
            "select count(*) from (from new_rows except all from old_rows)").fetchone()[0]
    return count, only_old, only_new


def _without_filter(sql: str) -> str:
    unfiltered, found = outlier_memory.FINAL_FILTER.subn("", sql.strip())
    assert found == 1, "the model's final |z| > 3.5 filter was not found"
    return unfiltered


@pytest.mark.parametrize("case", ["tiny", "generated"])
def test_same_rows_as_the_self_join(tmp_path, new_sql, case):
    path = tmp_path / "outlier.duckdb"
    if case == "tiny":
        outlier_memory.make_tiny(path)
    else:
        outlier_memory.make_data(path, units=300, months=30)
    old = outlier_memory.OLD_SQL.strip()

    scored, only_old, only_new = _differences(
        path, _without_filter(old), _without_filter(new_sql))
    assert (only_old, only_new) == (0, 0), f"{case}: every scored month"
    flagged, only_old, only_new = _differences(path, old, new_sql)
    assert (only_old, only_new) == (0, 0), f"{case}: the flagged months"
    assert 0 < flagged < scored

    if case == "tiny":
        assert (scored, flagged) == (80, 10)
        rows = {(r[1], r[2]): r for r in _results(path, {"new": new_sql})["new"]}
        # C, May 2024: history 10, 20, 30, 40, an even count: median 25 (interpolated),
        # MAD 10, upper limit 25 + 3.5 x 14.826
        assert rows[("C", dt.date(2024, 5, 1))][5] == pytest.approx(25 + 3.5 * 14.826)
        # A, April 2024: constant 50, 50, 50 (MAD 0, mean AD 0): the floor 1.4826
        assert rows[("A", dt.date(2024, 4, 1))][5] == pytest.approx(50 + 3.5 * 1.4826)
        # D has 2 months only; G is a 'latest' measure
        assert not {unit for unit, _ in rows} & {"D", "G"}

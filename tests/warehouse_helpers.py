"""Shared by the tests that build a province of their own and run the real CLI on it
once (tests/test_org_tree.py, test_org_reorganisation.py, test_arithmetic_reference.py,
test_quality_rules.py): the run itself and the files every such province writes. The
reference arithmetic they compare with lives in sample/tree_arithmetic.py, the
reference files' writer in sample/reference_writer.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path

from conftest import Workspace

from ingestion.template import write_report_csv
from sample.reference_writer import write_reference_files
from sample.tree_arithmetic import Tree

Reports = Mapping[tuple[str, dt.date], Mapping[str, int | None]]


def run_province(
    tmp_path_factory, name: str, build: Callable[[Workspace], None], as_of: str
) -> Workspace:
    """A fresh workspace `name`, filled by `build`, then `dean5299 run --as-of` once;
    the run must succeed (its output's tail is the failure's message)."""
    ws = Workspace(tmp_path_factory.mktemp(name))
    ws.inbox.mkdir()
    ws.reference.mkdir()
    build(ws)
    result = ws.run_cli("run", "--as-of", as_of)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return ws


def write_province(ws: Workspace, reports: Reports, **reference_files) -> None:
    """The reference files (`units=[...]`, `targets=[...]`, ...: rows as the reader's
    columns in order) and the leaves' reports as one CSV, inbox/leaves.csv."""
    write_reference_files(ws.reference, **reference_files)
    write_leaf_reports(ws.inbox / "leaves.csv", reports)


def write_leaf_reports(path: Path, reports: Reports) -> Path:
    """Every (unit, month)'s values as one long report CSV, in (unit, month) order."""
    return write_report_csv(
        path,
        [
            (unit, f"{period:%Y-%m}", measure, value)
            for (unit, period), values in sorted(reports.items())
            for measure, value in values.items()
        ],
    )


# Measure -> its value for the leaf at `index` in month number `number` (0, 1, ...) of
# `period`, before the stock accounts_total (which grows by its own formula).
FORMULAS = {
    "accounts_transacting": lambda index, number, period: (index + 1) * period.month + number,
    "dossiers_supported": lambda index, number, period: 7 * (index + 1) + number,
    "articles_posted": lambda index, number, period: index + number + 1,
    "payment_accounts": lambda index, number, period: 3 * (index + 2) + number,
    "digital_signatures": lambda index, number, period: 5 * (index + 1) + 2 * number,
    "vneid_submitted": lambda index, number, period: 20 + index + number,
    "vneid_activated": lambda index, number, period: 10 + index,
    "vneid_pending": lambda index, number, period: 100 * (index + 1) + 10 * number,
}


def formula_reports(
    tree: Tree,
    months: Sequence[dt.date],
    *,
    first_total: int,
    gap: tuple[str, dt.date],
    measures: Collection[str] | None = None,
) -> dict[tuple[str, dt.date], dict[str, int]]:
    """Every leaf's report for each month it is active in, from simple formulas (each
    leaf and month differ; accounts_transacting grows through the year, so it falls in
    January), but none from `gap` (unit, month): its stocks carry over. `measures`: all
    when None."""
    out = {}
    for index, leaf in enumerate(tree.leaves):
        total = first_total * (index + 1)
        for number, period in enumerate(months):
            if not tree.is_active(leaf, period) or (leaf, period) == gap:
                continue
            total += 10 * (index + 1) + number
            values = {"accounts_total": total} | {
                measure: formula(index, number, period) for measure, formula in FORMULAS.items()
            }
            keep = values.keys() if measures is None else measures
            out[(leaf, period)] = {m: v for m, v in values.items() if m in keep}
    return out


def file_ingestion(warehouse: Path, columns: str) -> dict[str, tuple]:
    """marts.fct_file_ingestion by file name: the `columns` given (SQL, comma-separated)."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(f"select file_name, {columns} from marts.fct_file_ingestion")
        return {row[0]: row[1:] for row in rows.fetchall()}

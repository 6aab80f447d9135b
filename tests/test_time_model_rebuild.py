"""The time model (CONTRACT §9): incremental runs equal one full build, and a raw store
written by 0.1.0 builds the same figures. (Split from test_time_model.py so that the two
files run on both cores.)"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import Workspace
from test_reports_support import copy_sample, run_ok, sample_run_once
from test_time_model import query

pytestmark = pytest.mark.slow

FIXTURE_RAW_STORE = Path(__file__).parent / "fixtures" / "raw_store_v0_1" / "raw"


def marts_rows(ws: Workspace) -> dict[str, list[tuple]]:
    """Every mart's rows, ordered, without the columns that record when things
    happened (ingested_at, publications), which differ between two histories."""
    skip_tables = {"fct_publications", "fct_published_figures"}
    skip_columns = {"ingested_at"}
    result = {}
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' order by 1"
            ).fetchall()
            if name not in skip_tables
        ]
        for table in tables:
            columns = [
                name
                for (name,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = "
                    "'marts' and table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
                if name not in skip_columns
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            result[table] = con.execute(
                f'select {listed} from marts."{table}" order by all'
            ).fetchall()
    return result


def test_month_by_month_equals_one_full_build(tmp_path, tmp_path_factory, dbt_manifest):
    """The sample ingested a month at a time (a run after each) gives exactly the marts
    of one build from everything."""
    full = sample_run_once(tmp_path_factory)
    ws = Workspace(tmp_path)
    staging = copy_sample(Workspace(tmp_path / "all"))
    ws.inbox.mkdir(parents=True)
    shutil.copytree(staging.reference, ws.reference)
    months = ["2024-01", "2024-02", "2024-03", "2024-04"]
    for month in months:
        # Files arrive in the order the province received them (the sample's mtimes).
        for path in sorted(staging.inbox.rglob("*")):
            if path.is_file() and path.stat().st_mtime <= received_by(month):
                target = ws.inbox / path.relative_to(staging.inbox)
                if not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)
        run_ok(ws, month)
    incremental, reference = marts_rows(ws), marts_rows(full)
    assert incremental.keys() == reference.keys()
    for table in reference:
        assert incremental[table] == reference[table], table


def received_by(month: str) -> float:
    """End of the 20th of the month after `month` (UTC), as a POSIX time."""
    year, number = int(month[:4]), int(month[5:])
    year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return dt.datetime(year, number, 20, 23, 59, tzinfo=dt.UTC).timestamp()


def test_raw_store_of_version_0_1_builds_the_same_figures(tmp_path, tmp_path_factory, dbt_manifest):
    """A raw store written by 0.1.0 (no run-request log, no publications) builds; its
    ingested_at comes from its own log; the published figures are the sample's."""
    full = sample_run_once(tmp_path_factory)
    ws = copy_sample(Workspace(tmp_path))
    raw_store = tmp_path / "old_raw"
    shutil.copytree(FIXTURE_RAW_STORE, raw_store)
    ws.extra_env["DEAN5299_RAW_STORE"] = str(raw_store)
    run_ok(ws, "2024-04")
    rows = marts_rows(ws)
    assert rows["fct_indicator_progress"] == marts_rows(full)["fct_indicator_progress"]
    (first_batch,) = [
        p.name for p in (FIXTURE_RAW_STORE / "inbox_files").iterdir() if "0000000" not in p.name
    ]
    logged = dt.datetime.strptime(first_batch[6:21], "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
    ingested = query(ws, "select distinct ingested_at from marts.fct_measure_monthly")
    assert len(ingested) == 1
    assert abs((ingested[0][0] - logged).total_seconds()) < 5
    # The old raw store gained the new logs, nothing else changed in its batches.
    assert (raw_store / "run_requests").is_dir() and (raw_store / "publications").is_dir()

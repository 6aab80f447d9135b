"""Incremental warehouse builds equal full rebuilds (issue #19 item 3).

One history of the sample, built the way `warehouse_models` builds (the same plan, build
file, dbt arguments and recorded state: orchestration/build_mode.py; real ingestion,
real dbt, real DuckDB files), then after each change a full rebuild of the same inputs
into another file: every table of marts, quality and intermediate must hold the same
rows (EXCEPT ALL both ways). The mode that ran is asserted, so a silent full build
cannot pass for an incremental one. dbt's data tests are left out here (they read the
tables, they do not write them) to keep the test fast; the asset runs them.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import SAMPLE, Workspace
from openpyxl import load_workbook
from test_reports_support import copy_sample
from test_time_model import resubmit_tpba_march

from ingestion.inbox import ingest_inbox
from ingestion.reference_files import snapshot_reference
from ingestion.run_requests import record_run_request
from orchestration.build_mode import (
    INCREMENTAL,
    STATE_TABLE,
    BuildPlan,
    dbt_build_args,
    plan_build,
    prepare_build_file,
    published_state,
    record_state,
)
from orchestration.dbt_profile import write_profile
from orchestration.publishing import PUBLISHED_STORAGE_NUMBER, publish_build, storage_number
from orchestration.settings import DBT_PROJECT_DIR, PipelinePaths, resolve_paths
from orchestration.warehouse_assets import dbt_target_path
from reports.publications import ensure_publication_store

DBT = Path(sys.executable).with_name("dbt")
COMPARED_SCHEMAS = ("marts", "quality", "intermediate")
# What changed since the previous build, by definition not what a full build lists.
BUILD_DELTAS = {"intermediate.int_version_months_changed", "intermediate.int_as_of_months_rebuilt"}


def table_differences(left: Path, right: Path) -> dict[str, str]:
    """table -> what differs, for every table of the compared schemas in either file:
    a table missing on one side, other columns, or rows only on one side (EXCEPT ALL)."""
    differences: dict[str, str] = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{left}' as l (read_only)")
        con.execute(f"attach '{right}' as r (read_only)")

        def columns(db: str) -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for schema, table, column in con.execute(
                "select table_schema, table_name, column_name from information_schema.columns "
                "where table_catalog = ? and table_schema in ? "
                "order by table_schema, table_name, ordinal_position",
                [db, list(COMPARED_SCHEMAS)],
            ).fetchall():
                found.setdefault(f"{schema}.{table}", []).append(column)
            return found

        left_tables, right_tables = columns("l"), columns("r")
        for name in sorted((left_tables.keys() | right_tables.keys()) - BUILD_DELTAS):
            if name not in left_tables or name not in right_tables:
                differences[name] = "only in " + ("left" if name in left_tables else "right")
                continue
            if sorted(left_tables[name]) != sorted(right_tables[name]):
                differences[name] = f"columns {left_tables[name]} != {right_tables[name]}"
                continue
            listed = ", ".join(f'"{c}"' for c in right_tables[name])
            only_left, only_right = (
                con.execute(
                    f"select count(*) from (select {listed} from {a}.{name} "
                    f"except all select {listed} from {b}.{name})"
                ).fetchone()[0]
                for a, b in (("l", "r"), ("r", "l"))
            )
            if only_left or only_right:
                differences[name] = f"{only_left} row(s) only left, {only_right} only right"
    return differences


def _dbt(paths: PipelinePaths, plan: BuildPlan) -> None:
    # As a run calls dbt: the deployment's rendered profile and its --vars.
    args = [*dbt_build_args(plan, paths.dbt_vars()), "--exclude-resource-type", "test",
            "--threads", "2"]
    target = dbt_target_path(paths)
    result = subprocess.run(
        [str(DBT), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
         str(write_profile(paths, target)), "--target-path", str(target)],
        env=os.environ, capture_output=True, text=True, timeout=600, cwd=DBT_PROJECT_DIR,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


class History:
    """One deployment's folders and its runs, as the monthly job does them (no report)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.paths = resolve_paths(ws.env())
        self.reference_build = ws.root / "full_rebuild.duckdb"

    def run(self, as_of: str) -> str:
        """Snapshot, ingest, log the run request, build as the asset does, publish; then
        a full rebuild of the same inputs beside it. Returns the mode that ran."""
        paths = self.paths
        snapshot_reference(paths.reference, paths.reference_snapshot)
        ingest_inbox(paths.inbox, paths.raw_store)
        record_run_request(paths.raw_store, [dt.date.fromisoformat(as_of + "-01")], None, "test")
        ensure_publication_store(paths.raw_store)
        plan = plan_build(paths)
        self._build(plan)
        publish_build(paths.build_db, paths.warehouse)
        self.reference_build.unlink(missing_ok=True)
        if plan.incremental:
            # The same inputs, built from nothing (same env: dbt's partial parse stays
            # valid). A full build of the history is that already (asserted in _build).
            self._build(BuildPlan("full: reference rebuild", plan.state))
            os.replace(paths.build_db, self.reference_build)
        else:
            shutil.copyfile(paths.warehouse, self.reference_build)
        return plan.mode

    def _build(self, plan: BuildPlan) -> None:
        prepare_build_file(self.paths, plan)
        if not plan.incremental:  # an empty file in the published format, nothing kept
            assert storage_number(self.paths.build_db) == PUBLISHED_STORAGE_NUMBER
            with duckdb.connect(str(self.paths.build_db), read_only=True) as con:
                assert con.execute("select count(*) from duckdb_tables()").fetchone() == (0,)
        _dbt(self.paths, plan)
        record_state(self.paths.build_db, plan)

    def differences(self) -> dict[str, str]:
        return table_differences(self.paths.warehouse, self.reference_build)

    def as_of_months_rebuilt(self) -> list[str]:
        """The as-of months the last build recomputed in the per-as-of models."""
        with duckdb.connect(str(self.paths.warehouse), read_only=True) as con:
            return [month for (month,) in con.execute(
                "select strftime(as_of, '%Y-%m') from intermediate.int_as_of_months_rebuilt "
                "order by as_of"
            ).fetchall()]


def edit_csv(path: Path, key: dict[str, str], changes: dict[str, str]) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
        fields = list(rows[0].keys())
    hits = [row for row in rows if all(row[k] == v for k, v in key.items())]
    assert len(hits) == 1, (path, key)
    hits[0].update(changes)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def resubmit_unreadable(original: Path) -> Path:
    """The same report sent again, later, with text in every value cell."""
    book = load_workbook(original)
    sheet = book.active
    codes = {row["measure_code"] for row in csv.DictReader(
        (DBT_PROJECT_DIR / "seeds" / "measures.csv").open(encoding="utf-8"))}
    changed = 0
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value in codes:
                sheet.cell(cell.row, cell.column + 3).value = "không rõ"
                changed += 1
            if cell.value == "Ngày báo cáo":
                sheet.cell(cell.row, cell.column + 1).value = dt.date(2024, 5, 7)
    assert changed == len(codes)
    target = original.with_name(original.stem + "_nop_lai.xlsx")
    book.save(target)
    return target


@pytest.mark.slow
def test_incremental_builds_equal_full_rebuilds(tmp_path, dbt_manifest):
    ws = copy_sample(Workspace(tmp_path))
    later = tmp_path / "later"
    later.mkdir()
    for folder in ("2024-04", "email_chuyen_tiep"):  # what arrives in (a)
        shutil.move(ws.inbox / folder, later / folder)
    history = History(ws)

    assert history.run("2024-03") == "full: no previous build"
    assert history.differences() == {}
    assert published_state(ws.warehouse)["mode"] == "full: no previous build"
    # A moment after what is ingested so far and before anything of (a): closing April
    # at it (e) leaves April without an official version (a standing alone that changes).
    before_april = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    time.sleep(1.1)

    # (a) a new month, and a forwarded copy of a February file that kept an earlier
    # modification time than the copy read in (CONTRACT §4: it becomes the copy that
    # counts, so rows classified in an earlier build change file name)
    for folder in ("2024-04", "email_chuyen_tiep"):
        shutil.copytree(later / folder, ws.inbox / folder, copy_function=shutil.copy2)
    forwarded = ws.inbox / "email_chuyen_tiep" / "tay_phong_thang02.xlsx"
    earlier = (ws.inbox / "2024-02" / "tay_phong_thang02.xlsx").stat().st_mtime - 86400
    os.utime(forwarded, (earlier, earlier))
    assert history.run("2024-04") == INCREMENTAL
    assert history.differences() == {}
    # April's folder holds DKDN's file for January to April (and the forwarded copy
    # changes February's official file): every as-of month from January is recomputed.
    assert history.as_of_months_rebuilt() == ["2024-01", "2024-02", "2024-03", "2024-04"]

    # (e) months closed (closures.csv, as `dean5299 close` writes it): March now (its
    # winners stay official), April before its files arrived (none official)
    closed_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    (ws.reference / "closures.csv").write_text(
        f"period,closed_at,closed_by,note\n2024-03,{closed_at},test,\n"
        f"2024-04,{before_april},test,\n",
        encoding="utf-8",
    )
    assert history.run("2024-04") == INCREMENTAL
    assert history.differences() == {}
    assert history.as_of_months_rebuilt() == ["2024-04"]  # March's winners were official
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        assert con.execute(
            "select count(*) from intermediate.int_version_values "
            "where period = '2024-04-01' and is_official"
        ).fetchone()[0] == 0

    # (b) a late resubmission of that old month: a pending revision, not applied
    resubmit_tpba_march(ws)
    assert history.run("2024-04") == INCREMENTAL
    assert history.differences() == {}
    assert history.as_of_months_rebuilt() == []  # no official value changed

    # (f) a run for the next month before any of its files: one more as-of month, no data
    assert history.run("2024-05") == INCREMENTAL
    assert history.differences() == {}
    assert history.as_of_months_rebuilt() == ["2024-05"]

    # (g) TPBA sends the open February again, later, with every value unreadable: the
    # new winner has no loaded row, so February's official values go; then a run with
    # nothing new recomputes nothing (such a version must not look changed each time)
    resubmit_unreadable(ws.inbox / "2024-02" / "tp_binh_an_thang02.xlsx")
    assert history.run("2024-05") == INCREMENTAL
    assert history.differences() == {}
    assert history.as_of_months_rebuilt() == ["2024-02", "2024-03", "2024-04", "2024-05"]
    assert history.run("2024-05") == INCREMENTAL
    assert history.differences() == {}
    assert history.as_of_months_rebuilt() == []
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        assert con.execute(
            "select count(*) from marts.fct_pending_revisions where period = '2024-03-01'"
        ).fetchone()[0] > 0

    # (c) a unit's active_to changed in the reference: a full build, detected
    edit_csv(ws.reference / "units.csv", {"unit_code": "TXAL"}, {"active_to": "2024-03"})
    assert history.run("2024-04") == "full: reference changed"
    assert history.differences() == {}

    # (d) a target changed
    edit_csv(ws.reference / "targets.csv", {"indicator_code": "CT3", "unit_code": "TDBA"},
             {"target_value": "70000"})
    assert history.run("2024-04") == "full: reference changed"
    assert history.differences() == {}

    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        (state,) = con.execute(f"select state from {STATE_TABLE}").fetchall()
        assert '"mode": "full: reference changed"' in state[0]
        # The forwarded copy counts now (a): the incremental build moved its rows.
        assert con.execute(
            "select count(*) from marts.fct_measure_monthly "
            "where source_file = 'email_chuyen_tiep/tay_phong_thang02.xlsx'"
        ).fetchone()[0] > 0


def test_the_comparison_fails_on_a_changed_row_a_missing_row_and_a_missing_table(tmp_path):
    left, right = tmp_path / "left.duckdb", tmp_path / "right.duckdb"
    for path in (left, right):
        with duckdb.connect(str(path)) as con:
            for schema in COMPARED_SCHEMAS:
                con.execute(f"create schema {schema}")
            con.execute("create table marts.t as select * from (values (1, 'a'), (2, 'b')) v(k, v)")
            con.execute("create table quality.q as select 1 as k")
            con.execute("create table intermediate.i as select 1 as k")
    assert table_differences(left, right) == {}
    with duckdb.connect(str(right)) as con:
        con.execute("update marts.t set v = 'c' where k = 2")
        con.execute("delete from quality.q")
        con.execute("drop table intermediate.i")
    assert table_differences(left, right) == {
        "intermediate.i": "only in left",
        "marts.t": "1 row(s) only left, 1 only right",
        "quality.q": "1 row(s) only left, 0 only right",
    }


@pytest.mark.parametrize("changed", ["units.csv", "closures.csv"])
def test_the_plan_reads_the_snapshot_not_a_flag(tmp_path, changed):
    """A reference file other than closures.csv changed: full; closures: incremental."""
    from orchestration.build_mode import current_state, decide

    ws = Workspace(tmp_path)
    shutil.copytree(SAMPLE / "reference", ws.reference)
    paths = resolve_paths(ws.env())
    snapshot_reference(paths.reference, paths.reference_snapshot)
    before = current_state(paths)
    assert decide(before, current_state(paths)) == INCREMENTAL
    target = paths.reference_snapshot / changed
    target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    expected = INCREMENTAL if changed == "closures.csv" else "full: reference changed"
    assert decide(before, current_state(paths)) == expected
    assert decide(None, before) == "full: no previous build"
    assert decide({**before, "raw_batches": ["report_rows/gone.parquet"]}, before) == (
        "full: raw store changed"
    )


@pytest.mark.slow
def test_the_warehouse_asset_records_the_mode_it_ran(sample_workspace, monkeypatch):
    """Real Dagster materialisations of the warehouse job: the first builds in full, the
    next (nothing new) incrementally; each model's metadata says which, and why. dbt gets
    the deployment's paths from its rendered profile and --vars: a stray DEAN5299_BUILD_DB
    in the process's environment is ignored, and the run leaves os.environ as it found it."""
    import dagster as dg

    stray_build = sample_workspace.root / "not_the_build.duckdb"
    monkeypatch.setenv("DEAN5299_BUILD_DB", str(stray_build))

    from orchestration.automation import WAREHOUSE_JOB
    from orchestration.cli.run_command import pipeline_run_config
    from orchestration.definitions import defs

    paths = resolve_paths(sample_workspace.env())
    job = defs.resolve_job_def(WAREHOUSE_JOB)
    modes = []
    for _ in range(2):
        environ_before = dict(os.environ)
        result = job.execute_in_process(
            run_config=pipeline_run_config(paths),
            instance=dg.DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
        assert result.success
        assert dict(os.environ) == environ_before
        assert not stray_build.exists()
        found = {
            event.asset_key.to_user_string(): event.materialization.metadata["build_mode"].value
            for event in result.get_asset_materialization_events()
            if "build_mode" in event.materialization.metadata
        }
        assert "marts/fct_indicator_progress" in found
        assert "intermediate/int_version_values" in found
        assert len(set(found.values())) == 1
        modes.append(found["marts/fct_indicator_progress"])
    assert modes == ["full: no previous build", INCREMENTAL]
    assert published_state(paths.warehouse)["mode"] == INCREMENTAL

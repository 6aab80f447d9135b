"""The monthly schedule and the inbox sensor, evaluated against real folders and a real
(ephemeral) Dagster instance."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.automation import (
    InboxCursor,
    inbox_fingerprint,
    previous_month,
    scan_inbox,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CSV_HEADER = "unit_code,period,measure_code,value\n"


@pytest.fixture(scope="module")
def defs(dbt_manifest):
    from orchestration.definitions import defs

    return defs


# --- schedule ------------------------------------------------------------------
# The schedule reads the deadlines from the published warehouse's
# marts.dim_reporting_period: tests/test_deadline.py.


def test_previous_month_wraps_the_year():
    assert previous_month(date(2024, 1, 5)) == "2023-12"


# --- sensor --------------------------------------------------------------------


def write_csv(path, unit: str, period: str, value: int, mtime: datetime | None = None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CSV_HEADER + f"{unit},{period},articles_posted,{value}\n", encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


@pytest.fixture
def sensor_env(defs, workspace, monkeypatch):
    monkeypatch.setenv("DEAN5299_INBOX", str(workspace.inbox))
    monkeypatch.setenv("DEAN5299_OUTPUT", str(workspace.output))
    instance = dg.DagsterInstance.ephemeral()
    sensor = defs.resolve_sensor_def("inbox_sensor")

    def tick(cursor):
        context = dg.build_sensor_context(cursor=cursor, instance=instance, definitions=defs)
        return sensor.evaluate_tick(context)

    return workspace, instance, tick


def latest_month() -> str:
    now = datetime.now(HCM)
    return f"{now.year - (now.month == 1):04d}-{(now.month - 2) % 12 + 1:02d}"


def test_sensor_new_unchanged_touched_resubmitted(sensor_env):
    ws, _, tick = sensor_env
    report = write_csv(ws.inbox / "2024-04" / "a.csv", "A", "2024-04", 3)
    (ws.inbox / "huong_dan.txt").write_text("not a report", encoding="utf-8")

    first = tick(None)
    assert len(first.run_requests) == 1
    request = first.run_requests[0]
    # A warehouse build (every month), not a month's run: the reports follow the
    # publication, for the months whose figures it changed.
    assert request.job_name == "warehouse_job"
    assert request.partition_key is None
    assert request.tags["dean5299/new_files"] == "1"
    cursor = json.loads(first.cursor)
    assert list(cursor["files"]) == ["2024-04/a.csv"]  # the .txt never triggers

    unchanged = tick(first.cursor)
    assert unchanged.run_requests == []
    assert unchanged.skip_message

    # Touched (same bytes, new mtime): re-hashed once, nothing to run.
    os.utime(report, (report.stat().st_atime, report.stat().st_mtime + 60))
    touched = tick(unchanged.cursor)
    assert touched.run_requests == []
    assert json.loads(touched.cursor)["files"]["2024-04/a.csv"][1] == report.stat().st_mtime_ns

    # A corrected file resent under the same name triggers again, with a new run key.
    write_csv(report, "A", "2024-04", 4)
    resent = tick(touched.cursor)
    assert len(resent.run_requests) == 1
    assert resent.run_requests[0].run_key != request.run_key
    assert tick(resent.cursor).run_requests == []

    # The same bytes under another name are new to the sensor (the name is in the key).
    (ws.inbox / "email").mkdir()
    (ws.inbox / "email" / "a.csv").write_bytes(report.read_bytes())
    copied = tick(resent.cursor)
    assert len(copied.run_requests) == 1
    assert copied.run_requests[0].run_key not in {request.run_key, resent.run_requests[0].run_key}


def test_unchanged_files_are_not_hashed_again(workspace):
    report = write_csv(workspace.inbox / "a.csv", "A", "2024-04", 3)
    stat = report.stat()
    # A cursor entry with the file's size and mtime is trusted as is: a made-up digest
    # survives, which proves the file was not read.
    known = {"a.csv": [stat.st_size, stat.st_mtime_ns, "digest-from-the-cursor"]}
    scan = scan_inbox(workspace.inbox, known)
    assert scan.files["a.csv"][2] == "digest-from-the-cursor"
    assert scan.new == {}
    assert inbox_fingerprint(workspace.inbox)["a.csv"] != "digest-from-the-cursor"


def publish(instance, changed: str, run_id: str | None = None) -> None:
    """Record a warehouse publication as published_warehouse does (its metadata)."""
    from orchestration.reporting_assets import CHANGED_MONTHS, PUBLISHED_WAREHOUSE

    instance.report_runless_asset_event(
        dg.AssetMaterialization(PUBLISHED_WAREHOUSE, metadata={CHANGED_MONTHS: changed})
    )


def test_reports_of_exactly_the_changed_months(sensor_env):
    ws, instance, tick = sensor_env
    write_csv(ws.inbox / "2024-03" / "a.csv", "A", "2024-03", 3)
    first = tick(None)
    assert [r.job_name for r in first.run_requests] == ["warehouse_job"]

    # The build published: March's and April's root figures changed, and a month that
    # has not ended yet (never a partition) is left out.
    unfinished = datetime.now(HCM).strftime("%Y-%m")
    publish(instance, f"2024-03,2024-04,{unfinished}")
    after = tick(first.cursor)
    assert sorted((r.job_name, r.partition_key) for r in after.run_requests) == [
        ("report_refresh_job", "2024-03"),
        ("report_refresh_job", "2024-04"),
    ]
    # Once only; a publication that changed nothing asks for nothing.
    assert tick(after.cursor).run_requests == []
    publish(instance, "")
    assert tick(after.cursor).run_requests == []


def test_new_files_wait_while_the_warehouse_is_built(sensor_env):
    ws, instance, tick = sensor_env
    first = tick(None)
    running = dg.DagsterRun(job_name="warehouse_job", status=dg.DagsterRunStatus.STARTED)
    instance.add_run(running)
    write_csv(ws.inbox / "2024-04" / "c.csv", "C", "2024-04", 2)
    held = tick(first.cursor)
    assert held.run_requests == []
    assert "c.csv" not in "".join(json.loads(held.cursor)["files"])
    instance.delete_run(running.run_id)
    released = tick(held.cursor)
    assert [r.job_name for r in released.run_requests] == ["warehouse_job"]


def test_cursor_from_an_older_format_starts_afresh():
    assert InboxCursor.load("0123abcd").files == {}
    assert InboxCursor.load(json.dumps({"v": 99})).initialised is False
    saved = InboxCursor(files={"a": [1, 2, "x"]}).dump()
    assert InboxCursor.load(saved).files == {"a": [1, 2, "x"]}


def test_sensor_survives_symlink_traps(workspace, tmp_path):
    """The sensor lists the inbox as ingestion does: a symlink loop and a link out of
    the inbox are neither followed nor a reason to fail."""
    write_csv(workspace.inbox / "a.csv", "A", "2024-04", 3)
    outside = write_csv(tmp_path / "outside" / "b.csv", "B", "2024-04", 9)
    (workspace.inbox / "ra_ngoai.csv").symlink_to(outside)
    (workspace.inbox / "vong").symlink_to(workspace.inbox / "vong")
    scan = scan_inbox(workspace.inbox, {})
    assert sorted(scan.new) == ["a.csv"]

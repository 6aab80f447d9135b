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
    assert request.job_name == "monthly_report_job"
    assert request.partition_key == latest_month()
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


def test_months_come_from_content_not_names(workspace):
    write_csv(workspace.inbox / "2024-04" / "misfiled.csv", "A", "2023-11", 3)
    scan = scan_inbox(workspace.inbox, {})
    assert scan.months == {"2023-11"}


def test_old_month_resubmission_waits_for_a_published_warehouse(sensor_env):
    ws, instance, tick = sensor_env
    write_csv(ws.inbox / "2024-03" / "a.csv", "A", "2024-03", 3)
    first = tick(None)  # the first look only records the inbox
    assert json.loads(first.cursor)["refresh"] == []

    # March's report was written before; a corrected March file arrives.
    old_report = ws.output / "2024-03" / "bao_cao_2024-03.md"
    old_report.parent.mkdir(parents=True)
    old_report.write_text("# báo cáo tháng 3 (cũ)\n", encoding="utf-8")
    write_csv(ws.inbox / "2024-03" / "a_sua.csv", "A", "2024-03", 5)
    write_csv(ws.inbox / "2024-02" / "b.csv", "B", "2024-02", 1)  # no report: left alone
    resubmitted = tick(first.cursor)
    assert [r.job_name for r in resubmitted.run_requests] == ["monthly_report_job"]
    assert resubmitted.run_requests[0].partition_key == latest_month()
    assert resubmitted.run_requests[0].tags["dean5299/months_in_files"] == "2024-02,2024-03"
    pending = json.loads(resubmitted.cursor)["refresh"]
    assert [item["months"] for item in pending] == [["2024-03"]]

    # No monthly run has succeeded since: the report waits.
    waiting = tick(resubmitted.cursor)
    assert waiting.run_requests == []
    assert json.loads(waiting.cursor)["refresh"] == pending

    # A monthly run in progress: the sensor holds new files back (one warehouse writer).
    running = dg.DagsterRun(
        job_name="monthly_report_job",
        status=dg.DagsterRunStatus.STARTED,
        tags={"dagster/partition": latest_month()},
    )
    instance.add_run(running)
    write_csv(ws.inbox / "2024-04" / "c.csv", "C", "2024-04", 2)
    held = tick(waiting.cursor)
    assert held.run_requests == []
    assert "c.csv" not in "".join(json.loads(held.cursor)["files"])

    # That run succeeds: the report-only job rewrites March from its warehouse, and the
    # held-back file gets its own run.
    instance.add_run(
        dg.DagsterRun(
            job_name="monthly_report_job",
            status=dg.DagsterRunStatus.SUCCESS,
            tags={"dagster/partition": latest_month()},
        )
    )
    instance.delete_run(running.run_id)
    done = tick(held.cursor)
    jobs = sorted((r.job_name, r.partition_key) for r in done.run_requests)
    assert jobs == [("monthly_report_job", latest_month()), ("report_refresh_job", "2024-03")]
    assert json.loads(done.cursor)["refresh"] == []


def test_cursor_from_an_older_format_starts_afresh():
    assert InboxCursor.load("0123abcd").files == {}
    assert InboxCursor.load(json.dumps({"v": 99})).initialised is False
    saved = InboxCursor(files={"a": [1, 2, "x"]}).dump()
    assert InboxCursor.load(saved).files == {"a": [1, 2, "x"]}

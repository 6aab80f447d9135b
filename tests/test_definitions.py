"""The code location loads and holds what the UI and the schedule need."""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.automation import inbox_fingerprint, monthly_run_request, previous_month


@pytest.fixture(scope="module")
def defs(dbt_manifest):
    from orchestration.definitions import defs

    return defs


def test_definitions_hold_every_part(defs):
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    for expected in [
        "raw/inbox_files",
        "raw/report_rows",
        "reference/units",
        "marts/fct_indicator_progress",
        "marts/fct_file_ingestion",
        "marts/fct_data_quality_issues",
        "warehouse/published",
        "monthly_report",
    ]:
        assert expected in keys
    assert len(list(graph.asset_check_keys)) > 20  # dbt tests surface as asset checks
    assert defs.resolve_job_def("monthly_report_job")
    assert defs.resolve_schedule_def("monthly_schedule")
    assert defs.resolve_sensor_def("inbox_sensor")


def test_groups_follow_dbt_folders(defs):
    graph = defs.resolve_asset_graph()
    group = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert group["raw/inbox_files"] == "ingestion"
    assert group["staging/stg_reference__units"] == "warehouse"
    assert group["marts/fct_indicator_progress"] == "warehouse"
    assert group["quality/dq_part_exceeds_whole"] == "quality"
    assert group["monthly_report"] == "reporting"


def test_schedule_runs_day_after_deadline_for_previous_month(tmp_path):
    (tmp_path / "settings.csv").write_text("key,value\nsubmission_deadline_day,10\n", encoding="utf-8")
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    request = monthly_run_request(datetime(2024, 5, 11, 6, 0, tzinfo=tz), tmp_path)
    assert isinstance(request, dg.RunRequest)
    assert request.partition_key == "2024-04"
    # 00:30 on the 11th in Hà Nội is still the 10th in UTC: the local day decides.
    utc_tick = datetime(2024, 5, 11, 0, 30, tzinfo=tz).astimezone(ZoneInfo("UTC"))
    assert utc_tick.day == 10
    assert monthly_run_request(utc_tick, tmp_path).partition_key == "2024-04"
    assert isinstance(monthly_run_request(datetime(2024, 5, 10, 6, 0, tzinfo=tz), tmp_path), dg.SkipReason)
    january = monthly_run_request(datetime(2025, 1, 11, 6, 0, tzinfo=tz), tmp_path)
    assert january.partition_key == "2024-12"


def test_previous_month_wraps_the_year():
    assert previous_month(datetime(2024, 1, 5).date()) == "2023-12"


def test_sensor_triggers_on_new_and_changed_files_only(defs, workspace, monkeypatch):
    monkeypatch.setenv("DEAN5299_INBOX", str(workspace.inbox))
    sensor = defs.resolve_sensor_def("inbox_sensor")
    report = workspace.inbox / "2024-04" / "a.csv"
    report.parent.mkdir()
    report.write_text("unit_code,period,measure_code,value\nA,2024-04,articles_posted,3\n", encoding="utf-8")

    first = sensor.evaluate_tick(dg.build_sensor_context(cursor=None, definitions=defs))
    assert len(first.run_requests) == 1
    cursor = first.cursor

    unchanged = sensor.evaluate_tick(dg.build_sensor_context(cursor=cursor, definitions=defs))
    assert unchanged.run_requests == []

    # A corrected file resent under the same name triggers again.
    report.write_text("unit_code,period,measure_code,value\nA,2024-04,articles_posted,4\n", encoding="utf-8")
    resent = sensor.evaluate_tick(dg.build_sensor_context(cursor=cursor, definitions=defs))
    assert len(resent.run_requests) == 1
    assert resent.run_requests[0].run_key != first.run_requests[0].run_key


def test_fingerprint_ignores_other_files(workspace):
    (workspace.inbox / "notes.txt").write_text("x", encoding="utf-8")
    assert inbox_fingerprint(workspace.inbox) == {}

"""The submission deadline: one rule, in dbt (macros/submission_deadline.sql, through
marts.dim_reporting_period), which the schedule reads from the published warehouse.

The mart is the real one: dbt compiles dim_reporting_period once, and each test runs
that SQL in DuckDB over its own settings, into a file that stands for the published
warehouse. The dbt unit tests (models/marts/_marts__reporting_period.yml) check the
same days on the dbt side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest

from orchestration.automation import (
    monthly_run_request,
    published_deadlines,
    run_date_for,
    run_request_for,
)
from orchestration.settings import DBT_PROJECT_DIR

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = ZoneInfo("UTC")
DBT = Path(sys.executable).with_name("dbt")


@pytest.fixture(scope="session")
def mart_sql(tmp_path_factory) -> str:
    """dim_reporting_period as dbt compiles it, reading database `build`."""
    folder = tmp_path_factory.mktemp("dbt_compile")
    env = {
        **os.environ,
        "DEAN5299_BUILD_DB": str(folder / "build.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        [
            str(DBT), "compile", "--quiet", "--output", "json",
            "--select", "dim_reporting_period",
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(folder / "target"), "--log-path", str(folder / "logs"),
        ],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout[result.stdout.index("{"):])["compiled"]


def publish(mart_sql: str, folder: Path, deadline_day: int, data_months=()) -> Path:
    """A warehouse file holding marts.dim_reporting_period for that deadline day."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "build.duckdb"  # the database name the compiled SQL reads
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("set TimeZone = 'Asia/Ho_Chi_Minh'")  # as the dbt profile sets it
        con.execute("create schema staging; create schema intermediate; create schema marts")
        con.execute(
            "create table staging.stg_reference__settings as select * from (values "
            "('province_name', 'Tỉnh Đoàn Thử'), ('submission_deadline_day', ?)) "
            "as t(setting_key, setting_value)",
            [str(deadline_day)],
        )
        con.execute("create table intermediate.int_as_of_months (as_of date)")
        for month in data_months:
            con.execute("insert into intermediate.int_as_of_months values (?::date)", [month])
        con.execute(f"create table marts.dim_reporting_period as {mart_sql}")
    return path


def deadlines_of(warehouse: Path) -> dict[str, tuple[date, datetime]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select strftime(period, '%Y-%m'), submission_deadline_date, submission_deadline_at "
            "from marts.dim_reporting_period"
        ).fetchall()
    return {month: (day, moment) for month, day, moment in rows}


# Reporting month -> deadline day, for each deadline setting: February 2023 has 28
# days, February 2024 29, April 30, January 31.
AROUND_FEBRUARY = {
    1: {"2023-01": date(2023, 2, 1), "2024-01": date(2024, 2, 1), "2024-03": date(2024, 4, 1)},
    28: {"2023-01": date(2023, 2, 28), "2024-01": date(2024, 2, 28), "2024-03": date(2024, 4, 28)},
    29: {"2023-01": date(2023, 2, 28), "2024-01": date(2024, 2, 29), "2024-03": date(2024, 4, 29)},
    30: {"2023-01": date(2023, 2, 28), "2024-01": date(2024, 2, 29), "2024-03": date(2024, 4, 30)},
    31: {"2023-01": date(2023, 2, 28), "2024-01": date(2024, 2, 29), "2024-03": date(2024, 4, 30)},
}


@pytest.mark.parametrize("deadline_day", sorted(AROUND_FEBRUARY))
def test_deadline_is_that_day_or_the_last_day_of_a_shorter_month(
    mart_sql, tmp_path, deadline_day
):
    deadlines = deadlines_of(publish(mart_sql, tmp_path, deadline_day))
    for month, expected in AROUND_FEBRUARY[deadline_day].items():
        day, moment = deadlines[month]
        assert day == expected, month
        # The end of that day in Hà Nội: midnight starting the next local day.
        assert moment == datetime.combine(expected + timedelta(days=1), datetime.min.time(), HCM)
    assert deadlines["2024-12"][0] == date(2025, 1, deadline_day)  # January has 31 days


def test_programme_months_and_data_months_outside(mart_sql, tmp_path):
    warehouse = publish(mart_sql, tmp_path, 10, data_months=["2021-11-01", "2024-04-01"])
    months = sorted(deadlines_of(warehouse))
    assert months[0] == "2021-11" and months[1] == "2022-01" and months[-1] == "2027-12"
    assert len(months) == 1 + 72


@pytest.mark.parametrize("deadline_day", [1, 10, 28, 29, 30, 31])
def test_schedule_runs_exactly_once_per_month_over_two_years(mart_sql, tmp_path, deadline_day):
    """Every local day of 2023–2024: each month gets one run, in order, on the day after
    the deadline the warehouse states, even when the deadline day does not exist in the
    month after (29, 30, 31 in February; 31 in April). The deadlines are read once
    (monthly_run_request reads them at every tick: test_schedule_local_day_decides)."""
    warehouse = publish(mart_sql, tmp_path, deadline_day)
    deadlines = published_deadlines(warehouse)
    day, runs = date(2023, 1, 1), []
    while day <= date(2024, 12, 31):
        request = run_request_for(day, deadlines)
        if isinstance(request, dg.RunRequest):
            runs.append((day, request.partition_key))
            assert request.run_key == f"monthly-{request.partition_key}"
        day += timedelta(days=1)
    months = [month for _, month in runs]
    assert len(months) == 24
    for before, after in zip(months, months[1:], strict=False):
        assert after == next_month(before)  # consecutive: none skipped, none twice
    for run_day, month in runs:
        assert run_day == run_date_for(month, deadlines)
        assert run_day > date(int(month[:4]), int(month[5:]), 28)  # never inside the month
    by_month = {month: run_day for run_day, month in runs}
    # January's deadline falls in February: 28 days in 2023, 29 in 2024.
    if deadline_day >= 28:
        assert by_month["2023-01"] == date(2023, 3, 1)
    if deadline_day >= 29:
        assert by_month["2024-01"] == date(2024, 3, 1)
    if deadline_day == 28:
        assert by_month["2024-01"] == date(2024, 2, 29)
    if deadline_day == 31:  # March's deadline: 30 April, run on 1 May
        assert by_month["2024-03"] == date(2024, 5, 1)


def next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def test_schedule_local_day_decides(mart_sql, tmp_path):
    warehouse = publish(mart_sql, tmp_path, 10)
    request = monthly_run_request(datetime(2024, 5, 11, 6, 0, tzinfo=HCM), warehouse)
    assert isinstance(request, dg.RunRequest)
    assert request.partition_key == "2024-04"
    # 00:30 on the 11th in Hà Nội is still the 10th in UTC: the local day decides.
    utc_tick = datetime(2024, 5, 11, 0, 30, tzinfo=HCM).astimezone(UTC)
    assert utc_tick.day == 10
    assert monthly_run_request(utc_tick, warehouse).partition_key == "2024-04"
    # 23:30 on the 10th local is the deadline day itself: skip, naming the next deadline.
    on_deadline = monthly_run_request(datetime(2024, 5, 10, 23, 30, tzinfo=HCM), warehouse)
    assert isinstance(on_deadline, dg.SkipReason)
    assert "10/05/2024" in on_deadline.skip_message
    assert monthly_run_request(
        datetime(2024, 5, 10, 18, 0, tzinfo=UTC), warehouse
    ).partition_key == "2024-04"
    january = monthly_run_request(datetime(2025, 1, 11, 6, 0, tzinfo=HCM), warehouse)
    assert january.partition_key == "2024-12"


def test_schedule_without_a_published_warehouse_skips(tmp_path):
    missing = tmp_path / "kho" / "dean5299.duckdb"
    skip = monthly_run_request(datetime(2024, 5, 11, 6, 0, tzinfo=HCM), missing)
    assert isinstance(skip, dg.SkipReason)
    assert "dean5299 run" in skip.skip_message and "inbox_sensor" in skip.skip_message
    # A warehouse published before the mart existed: the same.
    missing.parent.mkdir()
    with duckdb.connect(str(missing)) as con:
        con.execute("create schema marts; create table marts.dim_unit (unit_code varchar)")
    assert published_deadlines(missing) is None
    skip = monthly_run_request(datetime(2024, 5, 11, 6, tzinfo=HCM), missing)
    assert isinstance(skip, dg.SkipReason)


def test_schedule_definition_reads_the_published_warehouse_at_tick_time(
    mart_sql, tmp_path, monkeypatch, dbt_manifest
):
    from orchestration.definitions import defs

    schedule = defs.resolve_schedule_def("monthly_schedule")
    assert schedule.execution_timezone == "Asia/Ho_Chi_Minh"
    assert schedule.job_name == "monthly_report_job"
    monkeypatch.setenv("DEAN5299_WAREHOUSE", str(publish(mart_sql, tmp_path, 5)))
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2024, 7, 6, 6, 0, tzinfo=HCM),
        repository_def=defs.get_repository_def(),
    )
    data = schedule.evaluate_tick(context)
    assert [r.partition_key for r in data.run_requests] == ["2024-06"]
    # The data team moves the deadline to the 30th and a build publishes it: the 6th
    # now skips, and June runs on 31 July (the day after 30 July).
    publish(mart_sql, tmp_path, 30)
    data = schedule.evaluate_tick(context)
    assert data.run_requests == [] and data.skip_message
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2024, 7, 31, 6, 0, tzinfo=HCM),
        repository_def=defs.get_repository_def(),
    )
    assert [r.partition_key for r in schedule.evaluate_tick(context).run_requests] == ["2024-06"]

"""One real `dean5299 run` (real dbt build, real Dagster instance in DAGSTER_HOME) shared
by the CLI's output, `status`, the UI metadata and the sensor's old-month refresh.

The story: the sensor has seen the sample inbox; Nam Sơn then resends March (a third
version, as CSV) although March's report was already written. The sensor requests a
warehouse build; a monthly run (here the CLI's, as-of 2024-04) publishes the warehouse
and renders April; the next tick asks for the reports of the other months whose figures
that publication changed (all of them: nothing was published before).
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest
from conftest import DEAN5299, SAMPLE, Workspace  # tests/ is on sys.path (rootdir conftest)

pytestmark = pytest.mark.slow

RESUBMISSION = "2024-04/nam_son_thang03_ban3.csv"
OLD_REPORT_TEXT = "# Báo cáo tháng 3/2024 (bản đã gửi)\n"


def write_resubmission(inbox):
    """HNS March v2's values, accounts_total + 1, dated after v2 (so it wins)."""
    from ingestion.file_reader import parse_bytes

    v2 = parse_bytes("xlsx", (inbox / "2024-03" / "nam_son_thang03_sua.xlsx").read_bytes())
    path = inbox / RESUBMISSION
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_code", "period", "measure_code", "value", "report_date"])
        for row in v2.rows:
            value = row.value + 1 if row.measure_code == "accounts_total" else row.value
            writer.writerow(["HNS", "2024-03", row.measure_code, value, "2024-04-09"])
    received = datetime(2024, 4, 9, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).timestamp()
    os.utime(path, (received, received))
    return {row.measure_code: row.value for row in v2.rows}


@pytest.fixture(scope="module")
def story(tmp_path_factory, dbt_manifest):
    from orchestration.definitions import defs

    ws = Workspace(tmp_path_factory.mktemp("cli_run"))
    shutil.copytree(SAMPLE / "inbox", ws.inbox)
    shutil.copytree(SAMPLE / "reference", ws.reference)
    sys.path.insert(0, str(SAMPLE))
    from sample_mtimes import restore_mtimes

    restore_mtimes(ws.inbox, SAMPLE / "inbox_mtimes.csv")
    home = ws.root / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("", encoding="utf-8")
    old_report = ws.output / "2024-03" / "bao_cao_2024-03.md"
    old_report.parent.mkdir(parents=True)
    old_report.write_text(OLD_REPORT_TEXT, encoding="utf-8")

    with pytest.MonkeyPatch.context() as env:
        for key, value in ws.env().items():
            if key.startswith("DEAN5299_"):
                env.setenv(key, value)
        env.setenv("DAGSTER_HOME", str(home))
        instance = dg.DagsterInstance.get()
        sensor = defs.resolve_sensor_def("inbox_sensor")

        def tick(cursor):
            context = dg.build_sensor_context(cursor=cursor, instance=instance, definitions=defs)
            return sensor.evaluate_tick(context)

        seen = tick(None)
        v2 = write_resubmission(ws.inbox)
        resent = tick(seen.cursor)
        cli = subprocess_run(ws, home)
        after = tick(resent.cursor)
        refreshed = [
            defs.resolve_job_def(request.job_name).execute_in_process(
                partition_key=request.partition_key,
                instance=instance,
                tags=request.tags,
                raise_on_error=False,
            )
            for request in after.run_requests
        ]
        yield {
            "ws": ws,
            "instance": instance,
            "cli": cli,
            "ticks": (seen, resent, after),
            "refreshed": refreshed,
            "v2": v2,
        }
        instance.dispose()


def subprocess_run(ws: Workspace, home):
    import subprocess

    env = {**ws.env(), "DAGSTER_HOME": str(home)}
    return subprocess.run(
        [str(DEAN5299), "run", "--as-of", "2024-04"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_run_shows_progress_and_summary_not_dbt_logs(story):
    result, ws = story["cli"], story["ws"]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.strip() == ""
    out = result.stdout
    done = re.search(r"Tài sản / assets\D+(\d+)/(\d+)", out)
    assert done and done.group(1) == done.group(2) and int(done.group(1)) > 30
    checks = re.search(r"Kiểm tra / checks\D+(\d+)/(\d+)", out)
    assert checks and checks.group(1) == checks.group(2)
    for dbt_line in ("Running with dbt", "START sql", "PASS=", "Registered adapter"):
        assert dbt_line not in out, dbt_line
    # 39 sample files + the resubmission (12 rows, all loaded)
    assert (
        "Tệp / files: duplicate 1, loaded 37, partial 1, skipped 1 "
        "| dòng / rows: đọc 492, nạp 491, loại 1"
    ) in out
    assert "Vấn đề dữ liệu / issues: error 1, warn 4, info 4" in out
    assert f"Báo cáo / report: {ws.output / '2024-04' / 'bao_cao_2024-04.md'}" in out
    log_path = re.search(r"Nhật ký / log: (\S+)", out).group(1)
    assert log_path.startswith(str(ws.output / "logs"))
    log = open(log_path, encoding="utf-8").read()
    assert "Running with dbt" in log and "Done. PASS=" in log
    assert "RUN_SUCCESS" in log
    # A normal run warns about nothing (issue #18): no Python warning (the CLI logs them
    # with the "default" filter), no Dagster WARNING event (e.g. a dbt test logged as an
    # observation).
    python_warnings = re.findall(r"^\S+:\d+: \w*Warning: .*$", log, flags=re.M)
    assert python_warnings == []
    assert re.findall(r"^\S+ \S+ WARNING .*$", log, flags=re.M) == []


def test_ui_metadata_of_the_run(story):
    instance = story["instance"]
    runs = instance.get_runs(filters=dg.RunsFilter(tags={"dean5299/trigger": "cli"}))
    assert [(r.job_name, r.tags["dagster/partition"], r.status) for r in runs] == [
        ("monthly_report_job", "2024-04", dg.DagsterRunStatus.SUCCESS)
    ]

    def metadata(*key):
        event = instance.get_latest_materialization_event(dg.AssetKey(list(key)))
        return {k: getattr(v, "value", v) for k, v in event.asset_materialization.metadata.items()}

    files = metadata("marts", "fct_file_ingestion")
    assert (files["files_seen"], files["files_duplicate"], files["files_skipped"]) == (40, 1, 1)
    assert (files["rows_loaded"], files["rows_rejected"]) == (491, 1)
    assert "tx_an_lac_thang03.xlsx | partial" in files["files_not_fully_loaded"]
    issues = metadata("marts", "fct_data_quality_issues")
    assert (issues["issues_error"], issues["issues_warn"], issues["issues_info"]) == (1, 4, 4)
    assert "| error | part_exceeds_whole | HBH |" in issues["month_issues_preview"]
    # Numbers shown as text are written the Vietnamese way (issue #18).
    province = metadata("marts", "fct_indicator_progress")["province_progress"]
    assert "| CT3 | 2024-01..2024-12 | 21.458 |  | 21.458 | 66.000 | 32,51 |" in province
    assert "| CT1 | 2024-01..2024-12 | 3.857 | 45.600 | 8,46 | 40 | 21,15 |" in province
    # Every table's page shows what it holds (issue #18): rows, columns, months.
    progress = metadata("marts", "fct_indicator_progress")
    assert progress["dagster/row_count"] > 0
    assert [c.name for c in progress["dagster/column_schema"].columns][:3] == [
        "unit_code", "as_of", "indicator_code"
    ]
    assert progress["months_covered"] == "2024-01 → 2024-04"
    staging = metadata("staging", "stg_reference__units")
    assert staging["dagster/row_count"] == 12 and "months_covered" not in staging
    published = metadata("warehouse", "published")
    # The sample's full build is renamed as built (nothing freed to compact).
    assert published["compacted"] is False and published["published_mb"] > 1
    assert 0 <= published["publish_seconds"] < 60 and published["build_free_mb"] >= 0
    ingestion = metadata("raw", "inbox_files")
    assert ingestion["files_seen"] == 40 and ingestion["files_new"] == 40
    assert RESUBMISSION in ingestion["new_files"]
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(
            asset_key=dg.AssetKey("monthly_report"), asset_partitions=["2024-04"]
        ),
        limit=1,
    ).records
    report = records[0].asset_materialization.metadata["markdown_path"]
    assert report.value.endswith("2024-04/bao_cao_2024-04.md")


def test_status_on_the_published_warehouse(story):
    ws = story["ws"]
    march = ws.run_cli("status", "--as-of", "2024-03")
    assert march.returncode == 0, march.stderr
    lines = march.stdout.splitlines()
    assert lines[0].startswith("Tháng / month 2024-03: 10 đã nộp / submitted (1 muộn / late), 0")
    hns = next(line for line in lines if line.startswith("HNS "))
    assert "đã nộp" in hns and "09/04/2024 09:00" in hns and RESUBMISSION in hns
    february = ws.run_cli("status", "--as-of", "2024-02").stdout.splitlines()
    assert "1 chưa nộp / missing" in february[0]
    assert "CHƯA NỘP" in next(line for line in february if line.startswith("HLT "))
    assert "đã nộp (muộn)" in next(line for line in february if line.startswith("DKDN "))

    no_month = ws.run_cli("status", "--as-of", "2023-05")
    assert no_month.returncode == 1
    assert no_month.stderr.strip().splitlines() == [
        "Lỗi / error: kho dữ liệu không có tháng 2023-05 / the warehouse has no month 2023-05"
    ]


def test_old_month_report_rewritten_after_the_warehouse_is_published(story):
    ws = story["ws"]
    seen, resent, after = story["ticks"]
    assert len(seen.run_requests) == 1  # the first look: one warehouse build
    [request] = resent.run_requests
    assert request.job_name == "warehouse_job"
    # The CLI's monthly run rendered April itself; the months it changed besides get theirs.
    assert [(r.job_name, r.partition_key) for r in after.run_requests] == [
        ("report_refresh_job", "2024-01"),
        ("report_refresh_job", "2024-02"),
        ("report_refresh_job", "2024-03"),
    ]
    assert all(result.success for result in story["refreshed"])

    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        winner = con.execute(
            "select value, source_file from marts.fct_measure_monthly where unit_code = 'HNS' "
            "and period = date '2024-03-01' and measure_code = 'accounts_total'"
        ).fetchone()
        accounts_total = con.execute(
            "select denominator from marts.fct_indicator_progress p join marts.dim_unit u "
            "using (unit_code) where u.level = 'province' and p.indicator_code = 'CT1' "
            "and p.as_of = date '2024-03-01'"
        ).fetchone()[0]
        as_of = con.execute("select max(as_of) from marts.fct_indicator_progress").fetchone()[0]
    assert winner == (story["v2"]["accounts_total"] + 1, RESUBMISSION)
    # BI still sees the latest month: the refresh did not publish an older warehouse.
    assert str(as_of) == "2024-04-01"
    report = (ws.output / "2024-03" / "bao_cao_2024-03.md").read_text(encoding="utf-8")
    assert report != OLD_REPORT_TEXT
    assert f"{int(accounts_total):,}".replace(",", ".") in report

"""The Dagster UI as the data team sees it: `dagster dev` in its own process group,
opened in headless Chromium (Playwright), screenshots kept in the test's tmp dir."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from test_reports_support import CHROMIUM, CHROMIUM_ARGS

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LOCATION = "orchestration.definitions"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no browser: /usr/bin/chromium is missing (apt-get install chromium)",
    ),
]

WORKSPACE_QUERY = """{ workspaceOrError { ... on Workspace { locationEntries {
  name locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def location_status(base: str) -> str | None:
    """'RepositoryLocation' once the code location has loaded, else None / the error."""
    request = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": WORKSPACE_QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            data = json.load(response)
    except OSError:
        return None
    entries = data["data"]["workspaceOrError"].get("locationEntries") or []
    for entry in entries:
        if entry["name"] == LOCATION and entry["locationOrLoadError"]:
            loaded = entry["locationOrLoadError"]
            return loaded["__typename"] + " " + loaded.get("message", "")
    return None


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory, dbt_manifest):
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("", encoding="utf-8")
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "DEAN5299_INBOX": str(PROJECT_ROOT / "sample" / "inbox"),
        "DEAN5299_WAREHOUSE": str(home / "warehouse" / "dean5299.duckdb"),
        "DEAN5299_OUTPUT": str(home / "output"),
    }
    log = (home / "dagster_dev.log").open("w", encoding="utf-8")
    dagster = Path(sys.executable).with_name("dagster")
    # Its own process group: SIGTERM to the group stops the webserver and the daemon.
    process = subprocess.Popen(
        [str(dagster), "dev", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline, status = time.monotonic() + 240, None
        while time.monotonic() < deadline and process.poll() is None:
            status = location_status(base)
            if status:
                break
            time.sleep(1)
        log.flush()
        assert status and status.startswith("RepositoryLocation"), (
            f"code location did not load: {status}\n"
            + (home / "dagster_dev.log").read_text(encoding="utf-8")[-3000:]
        )
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser_context(dagster_ui):
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1600, "height": 1000})
        # A fresh profile gets a "Join the Dagster community" dialog over every page
        # until it is dismissed once (remembered in the profile's local storage).
        page = context.new_page()
        page.goto(f"{dagster_ui}/automation")
        try:
            page.get_by_role("button", name="Skip").click(timeout=30_000)
        except Error:
            pass  # no dialog in this version: nothing to dismiss
        page.close()
        yield context
        context.close()
        chromium.close()


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    yield page
    page.close()


def open_page(page, url: str, wait_for: str):
    page.goto(url)
    page.get_by_text(wait_for, exact=True).first.wait_for(timeout=60_000)
    page.wait_for_timeout(2000)  # let the graph finish its layout before the screenshot
    assert page.get_by_role("button", name="Skip").count() == 0, "a dialog hides the page"
    return page.inner_text("body")


def test_asset_graph_shows_report_and_dbt_assets(dagster_ui, page, tmp_path):
    url = f"{dagster_ui}/assets/monthly_report?view=lineage&lineageScope=upstream&lineageDepth=2"
    text = open_page(page, url, "published")
    for label in ["monthly_report", "published", "fct_file_ingestion", "dim_unit", "reporting"]:
        assert label in text, label
    page.screenshot(path=tmp_path / "lineage_monthly_report.png")


def test_asset_graph_shows_ingestion_feeding_dbt(dagster_ui, page, tmp_path):
    url = f"{dagster_ui}/assets/raw/inbox_files?view=lineage&lineageScope=downstream&lineageDepth=1"
    text = open_page(page, url, "inbox_files")
    assert "ingestion" in text and "warehouse" in text
    # raw/inbox_files and the dbt staging model built on it (the UI may shorten the name
    # in the middle: stg_…_inbox_files).
    assert text.count("inbox_files") >= 2, text
    page.screenshot(path=tmp_path / "lineage_inbox_files.png")


def test_global_lineage_has_every_group(dagster_ui, page, tmp_path):
    text = open_page(page, f"{dagster_ui}/asset-groups", "warehouse")
    for group in ["ingestion", "warehouse", "quality", "reporting", "reference"]:
        assert group in text, group
    page.screenshot(path=tmp_path / "global_lineage.png")


def test_automation_lists_schedule_and_sensor(dagster_ui, page, tmp_path):
    text = open_page(page, f"{dagster_ui}/automation", "inbox_sensor")
    assert "monthly_schedule" in text and "inbox_sensor" in text
    page.screenshot(path=tmp_path / "automation.png")


def test_deployment_pages_list_schedule_and_sensor(dagster_ui, page, tmp_path):
    location = f"{dagster_ui}/locations/{LOCATION}"
    text = open_page(page, f"{location}/schedules", "monthly_schedule")
    assert "monthly_schedule" in text
    page.screenshot(path=tmp_path / "deployment_schedules.png")
    text = open_page(page, f"{location}/sensors", "inbox_sensor")
    assert "inbox_sensor" in text
    text = open_page(page, f"{location}/sensors/inbox_sensor", "report_refresh_job")
    assert "warehouse_job" in text and "report_refresh_job" in text
    page.screenshot(path=tmp_path / "sensor.png")

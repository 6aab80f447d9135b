"""Helpers shared by the report and publishing tests (no tests in this module).

- `sample_run_once`: one CLI run of the shipped sample per test session, shared
  by every module that only reads what it wrote (a run costs ~25 s).
- `chromium_page`: headless Debian Chromium driven by Playwright, or a skip.
- `old_duckdb_python`: a venv with an older duckdb, cached between sessions.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE, Workspace

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_RUNS: dict[str, Workspace] = {}


def copy_sample(ws: Workspace) -> Workspace:
    shutil.copytree(SAMPLE / "inbox", ws.inbox, dirs_exist_ok=True)
    shutil.copytree(SAMPLE / "reference", ws.reference, dirs_exist_ok=True)
    sys.path.insert(0, str(SAMPLE))
    from sample_mtimes import restore_mtimes

    restore_mtimes(ws.inbox, SAMPLE / "inbox_mtimes.csv")
    return ws


def run_ok(ws: Workspace, as_of: str = "2024-04") -> subprocess.CompletedProcess:
    result = ws.run_cli("run", "--as-of", as_of)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def sample_run_once(tmp_path_factory) -> Workspace:
    """The shipped sample run through the real CLI for 2024-04, once per session."""
    if "sample" not in _RUNS:
        from orchestration.dbt_manifest import ensure_manifest

        ensure_manifest()
        ws = copy_sample(Workspace(tmp_path_factory.mktemp("reports_sample")))
        ws.first_run = run_ok(ws)
        _RUNS["sample"] = ws
    return _RUNS["sample"]


@contextlib.contextmanager
def chromium_page(viewport=(1280, 900)):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (CI's .ci/run does)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            yield page
        finally:
            browser.close()


def cache_dir() -> Path:
    base = os.environ.get("DEAN5299_TEST_CACHE") or os.environ.get("XDG_CACHE_HOME")
    return Path(base or Path.home() / ".cache") / "dean5299-tests"


def old_duckdb_python(version: str) -> Path:
    """A venv's python with duckdb==version, made once (pip from the package index)."""
    venv = cache_dir() / f"duckdb-{version}"
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import duckdb, sys; sys.exit(duckdb.__version__ != sys.argv[1])"]
    if python.exists() and subprocess.run([*probe, version], capture_output=True).returncode == 0:
        return python
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    try:
        install = subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"duckdb=={version}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.TimeoutExpired:
        pytest.skip(f"pip install duckdb=={version} timed out (package index unreachable?)")
    if install.returncode != 0:
        last = (install.stderr.strip().splitlines() or ["?"])[-1]
        pytest.skip(f"cannot install duckdb=={version} from the package index: {last}")
    return python

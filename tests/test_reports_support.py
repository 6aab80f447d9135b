"""Helpers shared by the report and publishing tests (no tests in this module).

- `sample_run_once`: the shipped sample's CLI run, built once per test session
  (tests/shared_runs.py), one copy per worker shared by every module that only reads
  what it wrote; `sample_run_copy`: a copy of that run of a module's own, to write into.
- `reform_run_copy`: the same for the reform sample's run for TDBL's 2025-06 report.
- `chromium_page`: headless Debian Chromium driven by Playwright, or a skip.
- `old_duckdb_python`: a venv with an older duckdb, cached between sessions.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE, Workspace
from shared_runs import copy_run, shared_run

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REFORM = SAMPLE / "reform"
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


def _built_sample(tmp_path_factory) -> Workspace:
    """The shipped sample run through the real CLI for 2024-04, once per session."""
    from orchestration.dbt_manifest import ensure_manifest

    ensure_manifest()
    return shared_run(
        tmp_path_factory,
        "sample_2024-04",
        lambda ws: copy_sample(ws).run_cli("run", "--as-of", "2024-04"),
    )


def sample_run_copy(tmp_path_factory, name: str) -> Workspace:
    """A copy of the sample's 2024-04 run of the caller's own (a new folder `name`)."""
    return copy_run(_built_sample(tmp_path_factory), tmp_path_factory.mktemp(name))


def sample_run_once(tmp_path_factory) -> Workspace:
    """The sample's 2024-04 run, one copy per worker process: only read it (or copy it)."""
    if "sample" not in _RUNS:
        _RUNS["sample"] = sample_run_copy(tmp_path_factory, "reports_sample")
    return _RUNS["sample"]


def reform_generator():
    """sample/reform/generate_reform.py (sample/ is not an installed package)."""
    spec = importlib.util.spec_from_file_location("generate_reform", REFORM / "generate_reform.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    return generator


def reform_run_copy(tmp_path_factory, name: str) -> tuple[Workspace, dict]:
    """A copy of the caller's own of the reform sample's run for the former province
    TDBL's 2025-06 report (`run --as-of 2025-06 --unit TDBL`: it builds and publishes the
    warehouse), built once per session; and the generator's golden.json."""

    def build(ws: Workspace) -> subprocess.CompletedProcess:
        reform_generator().generate(ws.root)  # reference/, inbox/ with receipt times
        return ws.run_cli("run", "--as-of", "2025-06", "--unit", "TDBL")

    built = shared_run(tmp_path_factory, "reform_2025-06_TDBL", build)
    ws = copy_run(built, tmp_path_factory.mktemp(name))
    return ws, json.loads((ws.root / "golden.json").read_text(encoding="utf-8"))


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

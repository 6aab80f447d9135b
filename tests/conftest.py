"""Shared fixtures: real folders, a real DuckDB file, the real CLI and Dagster."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT_ROOT / "sample"
DEAN5299 = Path(sys.executable).with_name("dean5299")


@pytest.fixture(scope="session", autouse=True)
def quiet_tools():
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


@pytest.fixture(scope="session")
def dbt_manifest():
    from orchestration.dbt_manifest import ensure_manifest

    return ensure_manifest()


@dataclass
class Workspace:
    """One pipeline's folders inside a test's temporary directory."""

    root: Path
    first_run: subprocess.CompletedProcess | None = None
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. DEAN5299_RAW_STORE
    # A copy of another workspace's run (tests/shared_runs.py): where that run ran, the
    # folder its first_run's output names.
    copied_from: Path | None = None

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def reference(self) -> Path:
        return self.root / "reference"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "dean5299.duckdb"

    @property
    def output(self) -> Path:
        return self.root / "output"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DEAN5299_")}
        env.update(
            DEAN5299_INBOX=str(self.inbox),
            DEAN5299_REFERENCE=str(self.reference),
            DEAN5299_WAREHOUSE=str(self.warehouse),
            DEAN5299_OUTPUT=str(self.output),
        )
        env.update(self.extra_env)
        return env

    def run_cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(DEAN5299), *args], env=self.env(), capture_output=True, text=True, timeout=600
        )


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    ws = Workspace(tmp_path)
    ws.inbox.mkdir()
    ws.reference.mkdir()
    return ws


@pytest.fixture
def sample_workspace(workspace, dbt_manifest) -> Workspace:
    """The shipped sample, copied, with its files' receipt times restored."""
    sys.path.insert(0, str(SAMPLE))
    from sample_mtimes import restore_mtimes

    shutil.copytree(SAMPLE / "inbox", workspace.inbox, dirs_exist_ok=True)
    shutil.copytree(SAMPLE / "reference", workspace.reference, dirs_exist_ok=True)
    restore_mtimes(workspace.inbox, SAMPLE / "inbox_mtimes.csv")
    return workspace

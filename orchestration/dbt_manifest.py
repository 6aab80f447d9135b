"""Builds dbt's manifest explicitly (CLI, tests, `make setup`), never on import.

`dagster dev` has DbtProject.prepare_if_dev() for the same purpose.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR

MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
_SOURCES = ("models", "seeds", "tests", "macros", "dbt_project.yml", "profiles.yml")


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in _SOURCES:
        path = DBT_PROJECT_DIR / name
        files = [path] if path.is_file() else path.rglob("*")
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    return newest


def manifest_is_current() -> bool:
    return MANIFEST_PATH.exists() and MANIFEST_PATH.stat().st_mtime >= _newest_source_mtime()


def ensure_manifest() -> Path:
    """Run `dbt parse` when the manifest is missing or older than the project's files."""
    if manifest_is_current():
        return MANIFEST_PATH
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [
            str(dbt) if dbt.exists() else "dbt",
            "parse",
            "--no-partial-parse",
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--quiet",
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{result.stdout}\n{result.stderr}")
    return MANIFEST_PATH


if __name__ == "__main__":
    print(ensure_manifest())

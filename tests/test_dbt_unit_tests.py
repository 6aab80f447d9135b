"""dbt's unit tests (the arithmetic and rules on small hand-made inputs, in the models'
yml). Production builds leave them out (orchestration/warehouse_assets.py): they test
the SQL, not the data. Here they run against a copy of the sample's published warehouse,
which gives them the upstream relations dbt introspects."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_reports_support import sample_run_once

from orchestration.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.slow


def test_every_dbt_unit_test_passes(tmp_path, tmp_path_factory, dbt_manifest):
    ws = sample_run_once(tmp_path_factory)
    build = tmp_path / "unit_tests.duckdb"
    shutil.copy(ws.warehouse, build)
    build.chmod(0o644)
    env = {
        **os.environ,
        "DEAN5299_BUILD_DB": str(build),
        "DEAN5299_RAW_STORE": str(ws.warehouse.parent / "raw"),
        "DEAN5299_REFERENCE": str(ws.warehouse.with_name(ws.warehouse.name + ".reference")),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [str(dbt), "test", "--select", "test_type:unit", "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(tmp_path / "target")],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    summary = [line for line in result.stdout.splitlines() if "Done. PASS=" in line]
    assert summary and " ERROR=0 " in summary[-1] + " " and "PASS=0 " not in summary[-1]

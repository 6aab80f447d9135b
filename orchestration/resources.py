"""Dagster resources: the pipeline's folders and the dbt CLI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.settings import DBT_PROJECT_DIR, PipelinePaths, resolve_paths

# Owner shown on every asset in the UI: the provincial data team (Ban Tuyên giáo /
# Văn phòng Tỉnh Đoàn runs the pipeline). One place, so a hand-over is one edit.
DATA_TEAM = "team:du_lieu_tinh_doan"


class PipelineConfig(dg.ConfigurableResource):
    """Folders of the pipeline; each left empty falls back to DEAN5299_* or its default."""

    inbox: str | None = None
    reference: str | None = None
    warehouse: str | None = None
    output: str | None = None

    def paths(self) -> PipelinePaths:
        overrides = {
            "DEAN5299_INBOX": self.inbox,
            "DEAN5299_REFERENCE": self.reference,
            "DEAN5299_WAREHOUSE": self.warehouse,
            "DEAN5299_OUTPUT": self.output,
        }
        env = {**os.environ, **{k: v for k, v in overrides.items() if v}}
        return resolve_paths(env)


def dbt_resource() -> DbtCliResource:
    # The dbt beside this Python, so a venv works without being activated.
    dbt_executable = Path(sys.executable).with_name("dbt")
    return DbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=str(dbt_executable) if dbt_executable.exists() else "dbt",
    )

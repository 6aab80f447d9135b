"""Dagster resources: the pipeline's folders and the dbt CLI."""

from __future__ import annotations

import os
import sys
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_dbt.compat import DBT_PYTHON_VERSION

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


class WarehouseDbt(DbtCliResource):
    """The dbt CLI, without the second dbt process dagster-dbt starts every run to ask
    `dbt --version` (~2 % of a run's profile): the dbt beside this Python is this
    environment's dbt-core, whose version the import already knows."""

    @cached_property
    def _cli_version(self):
        same_env = Path(self.dbt_executable).resolve() == _VENV_DBT.resolve()
        if same_env and DBT_PYTHON_VERSION is not None:
            return DBT_PYTHON_VERSION
        return super()._cli_version


_VENV_DBT = Path(sys.executable).with_name("dbt")


def dbt_resource() -> DbtCliResource:
    # The dbt beside this Python, so a venv works without being activated.
    dbt_executable = _VENV_DBT
    return WarehouseDbt(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=str(dbt_executable) if dbt_executable.exists() else "dbt",
    )


def with_profile(dbt: DbtCliResource, profiles_dir: Path) -> DbtCliResource:
    """The same dbt CLI reading the deployment's rendered profile
    (orchestration/dbt_profile.py): how a run tells dbt its paths without os.environ."""
    return type(dbt)(
        project_dir=dbt.project_dir,
        profiles_dir=str(profiles_dir),
        dbt_executable=dbt.dbt_executable,
        profile=dbt.profile,
        target=dbt.target,
        global_config_flags=dbt.global_config_flags,
        state_path=dbt.state_path,
    )

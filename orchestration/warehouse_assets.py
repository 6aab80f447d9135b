"""Warehouse: dbt builds staging -> intermediate -> marts into a fresh build file."""


import json
import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.partitions import TIMEZONE, monthly_partitions
from orchestration.resources import PipelineConfig
from orchestration.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


class WarehouseTranslator(DagsterDbtTranslator):
    """Models are keyed by schema and name (["marts", "dim_unit"]); groups come from
    each dbt folder's `meta.dagster.group`, sources keep ["raw"|"reference", table]."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed"):
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)


def run_moment() -> str:
    """The instant the run happens, for deadlines (missing_submission)."""
    return datetime.now(ZoneInfo(TIMEZONE)).isoformat(timespec="seconds")


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    partitions_def=monthly_partitions,
    dagster_dbt_translator=WarehouseTranslator(),
)
def warehouse_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, pipeline: PipelineConfig
):
    paths = pipeline.paths()
    # Always a fresh file: the warehouse is rebuilt from the raw store + reference.
    paths.build_db.parent.mkdir(parents=True, exist_ok=True)
    for stale in (paths.build_db, paths.build_db.with_name(paths.build_db.name + ".wal")):
        stale.unlink(missing_ok=True)
    os.environ.update(paths.dbt_env())
    dbt_vars = {"as_of": context.partition_key, "run_at": run_moment()}
    yield from dbt.cli(["build", "--vars", json.dumps(dbt_vars)], context=context).stream()


MART_KEYS = [key for key in warehouse_models.keys if key.path[0] == "marts"]

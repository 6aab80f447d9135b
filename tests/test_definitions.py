"""The code location loads and holds what the UI, the schedule and the sensor need."""

import json
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from orchestration.automation import PIPELINE_GROUPS

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PYTHON_ASSETS = [
    "raw/inbox_files",
    "raw/report_rows",
    "warehouse/published",
    "monthly_report",
    "unit_receipts",
]


@pytest.fixture(scope="module")
def defs(dbt_manifest):
    from orchestration.definitions import defs

    return defs


@pytest.fixture(scope="module")
def manifest(dbt_manifest):
    return json.loads(dbt_manifest.read_text(encoding="utf-8"))


def test_definitions_validate(defs):
    dg.Definitions.validate_loadable(defs)


def test_every_dbt_model_and_test_is_in_the_graph(defs, manifest):
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert models
    for node in models:
        assert f"{node['schema']}/{node['name']}" in keys
    for expected in [*PYTHON_ASSETS, "reference/units", "reference/settings"]:
        assert expected in keys
    # Each dbt test attached to one model is an asset check on it.
    check_names = {key.name for key in graph.asset_check_keys}
    attached = [
        n["name"] for n in manifest["nodes"].values()
        if n["resource_type"] == "test" and n.get("attached_node")
    ]
    assert attached and set(attached) <= check_names


def test_job_schedule_and_sensor(defs):
    graph = defs.resolve_asset_graph()
    job = defs.resolve_job_def("monthly_report_job")
    selected = dg.AssetSelection.groups(*PIPELINE_GROUPS).resolve(graph)
    assert {key.to_user_string() for key in selected} >= set(PYTHON_ASSETS)
    assert job.partitions_def is not None
    assert job.tags["dean5299/warehouse_writer"] == "monthly"
    refresh = defs.resolve_job_def("report_refresh_job")
    assert {key.to_user_string() for key in refresh.asset_layer.selected_asset_keys} == {
        "monthly_report",
        "unit_receipts",
    }
    # The units' receipts go with every monthly run; their templates only on demand.
    monthly = {key.to_user_string() for key in job.asset_layer.selected_asset_keys}
    assert "unit_receipts" in monthly and "unit_templates" not in monthly
    assert defs.resolve_schedule_def("monthly_schedule").job_name == "monthly_report_job"
    sensor = defs.resolve_sensor_def("inbox_sensor")
    assert {target.job_name for target in sensor.targets} == {
        "warehouse_job",
        "report_refresh_job",
    }
    warehouse = defs.resolve_job_def("warehouse_job")
    assert warehouse.partitions_def is None
    assert "monthly_report" not in {
        key.to_user_string() for key in warehouse.asset_layer.selected_asset_keys
    }


def test_groups_follow_dbt_folders(defs):
    graph = defs.resolve_asset_graph()
    group = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert group["raw/inbox_files"] == "ingestion"
    assert group["staging/stg_reference__units"] == "warehouse"
    assert group["marts/fct_indicator_progress"] == "warehouse"
    assert group["quality/dq_part_exceeds_whole"] == "quality"
    assert group["monthly_report"] == "reporting"
    assert group["unit_receipts"] == group["unit_templates"] == "units_side"
    assert set(group.values()) == set(PIPELINE_GROUPS)


def test_every_asset_has_owner_description_and_layer(defs):
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        name = key.to_user_string()
        assert (node.description or "").strip(), name
        assert node.owners == ["team:du_lieu_tinh_doan"], name
        if name.split("/")[0] in ("staging", "intermediate", "marts", "quality", "raw"):
            assert node.tags.get("layer") == name.split("/")[0], name
    progress = graph.get(dg.AssetKey(["marts", "fct_indicator_progress"]))
    assert progress.tags["published"] == "bi"
    # The name BI writes, not the manifest's parse-time database.
    assert progress.metadata["dagster/table_name"] == "marts.fct_indicator_progress"
    for name in ["raw/inbox_files", "raw/report_rows", "reference/units"]:
        description = graph.get(dg.AssetKey.from_user_string(name)).description
        assert " / " in description, name  # Vietnamese / English


def test_only_the_months_outputs_are_partitioned_by_month(defs):
    """The warehouse holds every month (CONTRACT §9); the month's report and the units'
    receipts and templates are the partition. Partitions end at the last finished month."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from orchestration.partitions import monthly_partitions

    keys = monthly_partitions.get_partition_keys()
    assert keys[0] == "2022-01"
    assert "2024-04" in keys
    assert datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m") not in keys
    graph = defs.resolve_asset_graph()
    partitioned = {
        key.to_user_string() for key in graph.get_all_asset_keys() if graph.get(key).partitions_def
    }
    assert partitioned == {"monthly_report", "unit_receipts", "unit_templates"}
    for name in partitioned:
        assert graph.get(dg.AssetKey(name)).partitions_def == monthly_partitions


@pytest.mark.slow
def test_dagster_cli_validates_the_workspace(dbt_manifest):
    dagster = [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"]
    result = subprocess.run(dagster, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_every_asset_check_has_a_vietnamese_description(defs, manifest):
    """Issue #18: the data team reads what a check guards, and what to do when it fails."""
    graph = defs.resolve_asset_graph()
    for key in graph.asset_check_keys:
        description = (graph.get_check_spec(key).description or "").strip()
        assert description, key.to_user_string()
    # Every dbt test is a check, none an observation: a singular test reading several
    # models names the one it guards (meta.dagster.ref).
    check_names = {key.name for key in graph.asset_check_keys}
    tests = [n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert set(tests) <= check_names, sorted(set(tests) - check_names)
    spec = graph.get_check_spec(
        dg.AssetCheckKey(dg.AssetKey(["marts", "dim_unit"]), "not_null_dim_unit_depth")
    )
    assert spec.description.startswith("dim_unit: cột depth không được trống.")
    assert "Khi không đạt" in spec.description

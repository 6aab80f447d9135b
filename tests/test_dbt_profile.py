"""dbt's profile per deployment (orchestration/dbt_profile.py): a run tells dbt its paths
through a rendered profile and --vars, never by changing os.environ (issue #18)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from orchestration.dbt_profile import MissingVariable, render_profile, write_profile
from orchestration.settings import PROJECT_ROOT, resolve_paths


def _paths(root: Path, engine: str = "duckdb"):
    return resolve_paths({
        "DEAN5299_INBOX": str(root / "inbox"),
        "DEAN5299_REFERENCE": str(root / "reference"),
        "DEAN5299_WAREHOUSE": str(root / "wh" / "dean5299.duckdb"),
        "DEAN5299_OUTPUT": str(root / "out"),
        "DEAN5299_ENGINE": engine,
    })


def test_the_duckdb_profile_names_the_deployment_build_file_literally(tmp_path):
    # A folder name with a space, a quote and a backslash: still one YAML string.
    root = tmp_path / 'Tỉnh "Đoàn" \\ 2025'
    paths = _paths(root)
    text = render_profile(paths, env={"DEAN5299_DUCKDB_MEMORY": "5GB",
                                      "DEAN5299_BUILD_DB": "/somewhere/else.duckdb"})
    assert "env_var" not in text
    profile = yaml.safe_load(text)["dean5299"]
    assert profile["target"] == "build"
    build = profile["outputs"]["build"]
    assert build["path"] == str(paths.build_db)  # the deployment's, not the environment's
    assert build["settings"]["memory_limit"] == "5GB"  # the data team's setting is read
    assert build["config_options"] == {"storage_compatibility_version": "v1.0.0"}


def test_the_spark_profile_points_at_the_deployment_folders(tmp_path):
    paths = _paths(tmp_path, engine="spark")
    profile = yaml.safe_load(render_profile(paths, env={"DEAN5299_SPARK_PORT": "10001"}))
    spark = yaml.safe_load(render_profile(paths, env={}))["dean5299"]["outputs"]["spark"]
    assert profile["dean5299"]["target"] == "spark"
    assert profile["dean5299"]["outputs"]["spark"]["port"] == 10001
    warehouse_dir = str(paths.warehouse.parent / "spark-warehouse")
    assert spark["server_side_parameters"]["spark.sql.warehouse.dir"] == warehouse_dir
    assert f"databaseName={warehouse_dir}/_metastore_db" in (
        spark["server_side_parameters"]["spark.hadoop.javax.jdo.option.ConnectionURL"])
    assert paths.dbt_vars()["spark_export"].endswith("dean5299.duckdb.spark-export")


def test_an_env_var_without_default_must_be_set(tmp_path, monkeypatch):
    template = tmp_path / "profiles.yml"
    template.write_text("x:\n  y: \"{{ env_var('DEAN5299_NOT_SET') }}\"\n", encoding="utf-8")
    monkeypatch.setattr("orchestration.dbt_profile.PROFILE_TEMPLATE", template)
    with pytest.raises(MissingVariable, match="DEAN5299_NOT_SET"):
        render_profile(_paths(tmp_path), env={})


def test_the_profile_is_rewritten_only_when_it_changes_and_kept_private(tmp_path):
    paths = _paths(tmp_path)
    folder = write_profile(paths, tmp_path / "target", env={})
    profile = folder / "profiles.yml"
    assert profile.stat().st_mode & 0o777 == 0o600
    first = profile.stat().st_mtime_ns
    write_profile(paths, tmp_path / "target", env={})
    assert profile.stat().st_mtime_ns == first
    write_profile(paths, tmp_path / "target", env={"DEAN5299_DUCKDB_MEMORY": "6GB"})
    assert 'memory_limit: "6GB"' in profile.read_text(encoding="utf-8")


def _environ_writes(path: Path) -> list[str]:
    """`os.environ[...] = `, `os.environ.update(...)`/pop/setdefault/clear, `os.putenv`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        target = None
        if isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            target = next((t for t in targets if isinstance(t, ast.Subscript)), None)
            target = target.value if target is not None else None
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in {"update", "pop", "setdefault", "clear", "popitem"}:
                target = node.func.value
            elif node.func.attr in {"putenv", "unsetenv"}:
                found.append(f"{path}:{node.lineno}")
        if isinstance(target, ast.Attribute) and target.attr == "environ":
            found.append(f"{path}:{node.lineno}")
    return found


def test_no_pipeline_code_changes_the_process_environment():
    folders = ("orchestration", "ingestion", "reports", "outbox", "forms", "expectations")
    sources = [f for folder in folders for f in (PROJECT_ROOT / folder).rglob("*.py")]
    assert len(sources) > 30
    assert [hit for source in sources for hit in _environ_writes(source)] == []


def test_the_scan_finds_an_environment_write(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nos.environ.update({'A': '1'})\nos.environ['B'] = '2'\n",
                   encoding="utf-8")
    assert len(_environ_writes(bad)) == 2

"""Whether the warehouse build may start from the published warehouse (incremental) or
must start from an empty file (`dbt build --full-refresh`), decided from what is on disk,
never from a flag a user passes (docs/benchmarks.md, "Incremental builds").

The published warehouse records what built it (schema `dean5299_build`, table `state`):
the hashes of the reference snapshot (closures.csv aside: a closure is an increment) and
of the dbt project, the engine, and the raw store's batches. A build is incremental only
when all of these still hold; the incremental models (dbt_project/macros/
incremental_scope.sql) then recompute only what the new batches and closures reach.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR, PipelinePaths

STATE_SCHEMA = "dean5299_build"
STATE_TABLE = f"{STATE_SCHEMA}.state"
INCREMENTAL = "incremental"
# Closures change the official versions of a month: the incremental models find the
# unit-months that changed (is_official), so closures.csv does not force a full build.
INCREMENT_SAFE_REFERENCE = {"closures.csv"}
# What decides the data of a build; dbt_project/tests only checks it.
PROJECT_PARTS = ("models", "macros", "seeds", "dbt_project.yml", "profiles.yml")
RAW_TABLES = ("report_rows", "inbox_files")
_PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb")


@dataclass(frozen=True)
class BuildPlan:
    mode: str  # "incremental" or "full: <why>"
    state: dict

    @property
    def incremental(self) -> bool:
        return self.mode == INCREMENTAL


def _hash_files(files: list[tuple[str, Path]]) -> str:
    digest = hashlib.sha256()
    for name, path in sorted(files):
        digest.update(name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def reference_hash(snapshot: Path) -> str:
    """The validated snapshot's files (normalised bytes), closures.csv aside."""
    files = [
        (path.name, path)
        for path in Path(snapshot).glob("*.csv")
        if path.name not in INCREMENT_SAFE_REFERENCE
    ]
    return _hash_files(files)


def project_hash(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """Every file that decides what dbt builds, and the versions that run it."""
    files = []
    for part in PROJECT_PARTS:
        path = project_dir / part
        if path.is_file():
            files.append((part, path))
        elif path.is_dir():
            files += [
                (str(found.relative_to(project_dir)), found)
                for found in path.rglob("*")
                if found.is_file() and "__pycache__" not in found.parts
            ]
    versions = ",".join(f"{name}={_version(name)}" for name in _PACKAGES)
    return hashlib.sha256((_hash_files(files) + versions).encode()).hexdigest()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def raw_batches(raw_store: Path) -> list[str]:
    """Every batch file of the raw tables the incremental models read (append-only)."""
    return sorted(
        f"{table}/{path.name}"
        for table in RAW_TABLES
        for path in (Path(raw_store) / table).glob("*.parquet")
    )


def current_state(paths: PipelinePaths) -> dict:
    return {
        "reference_sha256": reference_hash(paths.reference_snapshot),
        "project_sha256": project_hash(),
        "engine": paths.engine,
        "raw_store": str(paths.raw_store),
        "raw_batches": raw_batches(paths.raw_store),
    }


def published_state(warehouse: Path) -> dict | None:
    """What built the published warehouse, or None (none published, an older one that
    does not record it, or a file that does not open)."""
    import duckdb

    if not warehouse.is_file():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            row = con.execute(f"select state from {STATE_TABLE}").fetchone()
    except duckdb.Error:
        return None
    return json.loads(row[0]) if row else None


def decide(previous: dict | None, current: dict) -> str:
    """The mode, and why a full build, in the order a reader would check."""
    if current["engine"] != "duckdb":
        return f"full: engine {current['engine']}"
    if previous is None:
        return "full: no previous build"
    if previous.get("engine") != current["engine"]:
        return "full: engine changed"
    if previous.get("project_sha256") != current["project_sha256"]:
        return "full: dbt project changed"
    if previous.get("reference_sha256") != current["reference_sha256"]:
        return "full: reference changed"
    if previous.get("raw_store") != current["raw_store"] or not set(
        previous.get("raw_batches", [])
    ) <= set(current["raw_batches"]):
        return "full: raw store changed"
    return INCREMENTAL


def plan_build(paths: PipelinePaths) -> BuildPlan:
    current = current_state(paths)
    previous = published_state(paths.warehouse) if current["engine"] == "duckdb" else None
    return BuildPlan(decide(previous, current), current)


def prepare_build_file(paths: PipelinePaths, plan: BuildPlan) -> None:
    """An incremental build starts from a copy of the published warehouse (what the
    blocking checks passed, never a failed build); a full one from an empty file. Either
    is in the published storage version (orchestration/publishing.py), which DuckDB keeps
    whoever writes the file later: publishing renames the build, it does not copy it."""
    from orchestration.publishing import create_build_file

    paths.build_db.parent.mkdir(parents=True, exist_ok=True)
    for stale in (paths.build_db, paths.build_db.with_name(paths.build_db.name + ".wal")):
        stale.unlink(missing_ok=True)
    if plan.incremental:
        # copyfile: the copy is writable (the published file is 0o444).
        shutil.copyfile(paths.warehouse, paths.build_db)
    else:
        create_build_file(paths.build_db)


def dbt_build_args(plan: BuildPlan, dbt_vars: Mapping[str, str]) -> list[str]:
    # dbt's unit tests check the SQL against fixed inputs, not the data: they run in the
    # test suite (tests/test_dbt_unit_tests.py), not in every build. The vars are the
    # deployment's paths (PipelinePaths.dbt_vars), sorted so their text never changes.
    args = ["build", "--exclude-resource-type", "unit_test", *dbt_vars_args(dbt_vars)]
    return args if plan.incremental else [*args, "--full-refresh"]


def dbt_vars_args(dbt_vars: Mapping[str, str]) -> list[str]:
    """`--vars` as every run passes it: a parse with other text is a full parse."""
    return ["--vars", json.dumps(dict(sorted(dbt_vars.items())))]


def record_state(build_db: Path, plan: BuildPlan) -> None:
    """Written into the finished build, so it is published (or discarded) with it."""
    import duckdb

    state = {**plan.state, "mode": plan.mode, "built_at": dt.datetime.now(dt.UTC).isoformat()}
    with duckdb.connect(str(build_db)) as con:
        con.execute(f"create schema if not exists {STATE_SCHEMA}")
        con.execute(f"create or replace table {STATE_TABLE} as select ?::varchar as state",
                    [json.dumps(state, sort_keys=True)])

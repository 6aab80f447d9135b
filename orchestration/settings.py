"""The one place that knows the DEAN5299_* variables and their defaults (CONTRACT §5).

Resolved when a run starts, never at import time, so that the same code location
serves the shipped sample, a test's temporary folders and production alike.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from orchestration.spark_engine import selected_engine, spark_dbt_env, spark_export_dir

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

DEFAULTS = {
    "DEAN5299_INBOX": PROJECT_ROOT / "sample" / "inbox",
    "DEAN5299_REFERENCE": PROJECT_ROOT / "sample" / "reference",
    "DEAN5299_WAREHOUSE": PROJECT_ROOT / "warehouse" / "dean5299.duckdb",
    "DEAN5299_OUTPUT": PROJECT_ROOT / "output",
}


@dataclass(frozen=True)
class PipelinePaths:
    inbox: Path
    reference: Path
    warehouse: Path
    output: Path
    raw_store: Path
    # Which engine dbt builds with: duckdb (default) or spark (docs/engines.md).
    engine: str = "duckdb"

    @property
    def build_db(self) -> Path:
        """dbt builds here; publishing renames it over `warehouse` (docs/architecture.md)."""
        return self.warehouse.with_name(self.warehouse.name + ".building")

    @property
    def reference_snapshot(self) -> Path:
        """The validated, normalised copy of the reference folder that dbt reads
        (ingestion/reference_files.py writes it): `<warehouse>.reference/` beside the
        warehouse, one stable path per deployment so dbt's partial parse stays valid."""
        return self.warehouse.with_name(self.warehouse.name + ".reference")

    def dbt_env(self) -> dict[str, str]:
        """The DEAN5299_* values dbt_project/profiles.yml and the sources read with
        env_var(), for this deployment: rendered into its profile
        (orchestration/dbt_profile.py), or the environment of a `dbt build` run by hand.
        dbt's `DEAN5299_REFERENCE` is the reference snapshot, never the data team's folder."""
        values = {
            "DEAN5299_RAW_STORE": str(self.raw_store),
            "DEAN5299_REFERENCE": str(self.reference_snapshot),
            "DEAN5299_BUILD_DB": str(self.build_db),
            "DEAN5299_ENGINE": self.engine,
        }
        if self.engine == "spark":
            values.update(spark_dbt_env(self.warehouse))
        return values

    def dbt_vars(self) -> dict[str, str]:
        """What the sources and the Spark export hook read as `var()` (the run's --vars):
        the deployment's paths, the same in each of its runs, so dbt's partial parse holds.
        They win over DEAN5299_RAW_STORE / DEAN5299_REFERENCE in the environment, which
        for the data team name their own folders, not the snapshot dbt must read."""
        values = {"raw_store": str(self.raw_store), "reference": str(self.reference_snapshot)}
        if self.engine == "spark":
            values["spark_export"] = str(spark_export_dir(self.warehouse))
        return values

    def as_env(self) -> dict[str, str]:
        return {
            "DEAN5299_INBOX": str(self.inbox),
            "DEAN5299_REFERENCE": str(self.reference),
            "DEAN5299_WAREHOUSE": str(self.warehouse),
            "DEAN5299_OUTPUT": str(self.output),
            "DEAN5299_RAW_STORE": str(self.raw_store),
        }


def resolve_paths(env: Mapping[str, str] | None = None) -> PipelinePaths:
    env = os.environ if env is None else env

    def pick(name: str) -> Path:
        value = env.get(name) or DEFAULTS[name]
        return Path(value).expanduser().resolve()

    warehouse = pick("DEAN5299_WAREHOUSE")
    raw_store = env.get("DEAN5299_RAW_STORE") or warehouse.parent / "raw"
    return PipelinePaths(
        inbox=pick("DEAN5299_INBOX"),
        reference=pick("DEAN5299_REFERENCE"),
        warehouse=warehouse,
        output=pick("DEAN5299_OUTPUT"),
        raw_store=Path(raw_store).expanduser().resolve(),
        engine=selected_engine(env),
    )

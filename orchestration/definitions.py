"""The code location: the pipeline's parts, merged. Each part declares its own
Definitions beside its assets; what every part shares is declared here once."""

import dagster as dg

from orchestration import (
    automation,
    ingestion_assets,
    quality_checks,
    reporting_assets,
    units_side_assets,
    warehouse_assets,
)
from orchestration.resources import PipelineConfig

defs = dg.Definitions.merge(
    ingestion_assets.defs,  # inbox -> raw store, reference files, publications' raw tables
    warehouse_assets.defs,  # dbt: staging -> intermediate -> marts, dbt tests as checks
    quality_checks.defs,  # Great Expectations on what arrives
    reporting_assets.defs,  # published warehouse, the month's report
    units_side_assets.defs,  # the units' receipts (every run) and templates (on demand)
    automation.defs,  # jobs, the monthly schedule, the inbox sensor
    # What every part shares (one Definitions at module scope: Dagster's loader insists).
    dg.Definitions(
        resources={"pipeline": PipelineConfig()},
        # One run-worker process executes every step: it holds the warehouse lock for the run.
        executor=dg.in_process_executor,
    ),
)

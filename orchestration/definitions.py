"""The code location: merges each part's assets, checks, jobs and automation."""

import dagster as dg

from orchestration.automation import (
    inbox_sensor,
    monthly_job,
    monthly_schedule,
    report_refresh_job,
    warehouse_job,
)
from orchestration.ingestion_assets import inbox_ingestion, publication_specs, reference_specs
from orchestration.quality_checks import quality_checks
from orchestration.reporting_assets import monthly_report, published_warehouse
from orchestration.resources import PipelineConfig, dbt_resource
from orchestration.warehouse_assets import warehouse_models

defs = dg.Definitions(
    assets=[
        *reference_specs,
        inbox_ingestion,
        *publication_specs,
        warehouse_models,
        published_warehouse,
        monthly_report,
    ],
    asset_checks=quality_checks,
    jobs=[monthly_job, warehouse_job, report_refresh_job],
    schedules=[monthly_schedule],
    sensors=[inbox_sensor],
    resources={"pipeline": PipelineConfig(), "dbt": dbt_resource()},
    # One run-worker process executes every step: it holds the warehouse lock for the run.
    executor=dg.in_process_executor,
)

"""The GX asset checks are wired where they guard: in the monthly job, blocking, on the
assets named in docs/data_quality.md."""

import pytest

GX_CHECKS = {
    "raw/report_rows": "gx_raw_report_rows",
    "marts/fct_indicator_progress": "gx_indicator_progress",
    "marts/fct_measure_monthly": "gx_measure_monthly",
    "marts/fct_submission_status": "gx_submission_status",
    "marts/fct_file_ingestion": "gx_file_ingestion",
    "marts/dim_unit": "gx_reference_data",
}


@pytest.fixture(scope="module")
def defs(dbt_manifest):
    from orchestration.definitions import defs

    return defs


def test_monthly_job_runs_every_gx_check(defs):
    job = defs.resolve_job_def("monthly_report_job")
    in_job = {
        (key.asset_key.to_user_string(), key.name)
        for key in job.asset_layer.asset_graph.asset_check_keys
    }
    assert set(GX_CHECKS.items()) <= in_job


def test_gx_checks_are_blocking(defs):
    graph = defs.resolve_asset_graph()
    specs = {
        (key.asset_key.to_user_string(), key.name): graph.get_check_spec(key)
        for key in graph.asset_check_keys
    }
    for asset, name in GX_CHECKS.items():
        assert specs[(asset, name)].blocking, name

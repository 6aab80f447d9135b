"""The GX asset checks are wired where they guard: in the monthly job, blocking, on what
arrives (docs/data_quality.md); the marts' rules they used to re-check are dbt tests,
shown as asset checks on the mart they guard (docs/architecture.md)."""

import pytest

GX_CHECKS = {
    "raw/report_rows": "gx_raw_report_rows",
    "marts/dim_unit": "gx_reference_data",
}
# The GX mart checks removed in issue #18 -> the dbt tests that hold their rules now.
MOVED = {
    ("marts/fct_indicator_progress", "gx_indicator_progress"): [
        "arithmetic_progress_kinds", "arithmetic_achievement_pct",
        "assert_rates_have_denominators",
    ],
    ("marts/fct_measure_monthly", "gx_measure_monthly"): [
        "assert_measures_reported_by_a_leaf", "assert_no_period_after_this_month",
        "integer_typed_fct_measure_monthly_value", "not_negative_fct_measure_monthly_value",
        "not_null_fct_measure_monthly_source_file",
    ],
    ("marts/fct_submission_status", "gx_submission_status"): [
        "assert_submission_grid", "assert_submission_status_consistent",
    ],
    ("marts/fct_file_ingestion", "gx_file_ingestion"): [
        "assert_no_rows_lost", "not_negative_fct_file_ingestion_rows_read",
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def defs(dbt_manifest):
    from orchestration.definitions import defs

    return defs


@pytest.fixture(scope="module")
def specs(defs):
    graph = defs.resolve_asset_graph()
    return {
        (key.asset_key.to_user_string(), key.name): graph.get_check_spec(key)
        for key in graph.asset_check_keys
    }


def test_monthly_job_runs_every_gx_check(defs):
    job = defs.resolve_job_def("monthly_report_job")
    in_job = {
        (key.asset_key.to_user_string(), key.name)
        for key in job.asset_layer.asset_graph.asset_check_keys
    }
    assert set(GX_CHECKS.items()) <= in_job


def test_gx_checks_are_blocking(specs):
    for asset, name in GX_CHECKS.items():
        assert specs[(asset, name)].blocking, name


def test_mart_rules_are_dbt_checks_on_their_mart_not_gx(specs):
    for (asset, removed), dbt_tests in MOVED.items():
        assert (asset, removed) not in specs
        for test in dbt_tests:
            assert (asset, test) in specs, (asset, test)
            assert specs[(asset, test)].description.strip(), test
    assert {name for _, name in specs if name.startswith("gx_")} == set(GX_CHECKS.values())

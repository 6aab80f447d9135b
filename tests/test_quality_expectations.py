"""The GX suites on hand-made frames: each clean frame passes, and every expectation of
every suite fails on a frame broken for it (fast: no pipeline, no warehouse)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from expectations import frames, suites
from expectations.runner import validate

UTC = "UTC"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHA = "a" * 64
APRIL = pd.Timestamp("2024-04-01")


def raw_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "batch_id": ["b1", "b1"],
            "sha256": [SHA, SHA],
            "file_name": ["2024-04/a.xlsx", "2024-04/a.xlsx"],
            "row_number": pd.array([12, 13], dtype="int64"),
            "location": ["BaoCao!F12", "BaoCao!F13"],
            "unit_code": ["A", "A"],
            "period": [APRIL, APRIL],
            "period_error": [None, None],
            "measure_code": ["accounts_total", "accounts_transacting"],
            "raw_value": ["45.600", "khoảng 5"],
            "value": pd.array([45600, None], dtype="Int64"),
            "value_error": [None, "value_not_number"],
            "cumulative": pd.array([None, None], dtype="Int64"),
            "file_mtime": pd.to_datetime(["2024-05-05T02:00:00", "2024-05-05T02:00:00"], utc=True),
        }
    )


def raw_suite():
    return suites.raw_report_rows_suite(
        {"A"}, {"accounts_total", "accounts_transacting"}, pd.Timestamp("2022-01-01"), APRIL
    )


def progress() -> pd.DataFrame:
    year = (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-01"))
    rows = [
        # unit, indicator, kind, numerator, denominator, actual, target, achievement
        ("A", "CT1", "rate", 40.0, 100.0, 40.0, 40.0, 100.0),
        ("A", "CT3", "count", 50.0, None, 50.0, 200.0, 25.0),
        ("B", "CT2", "rate", 0.0, 0.0, None, 80.0, None),  # nothing reported yet
        ("B", "CT4", "count", 5.0, None, 5.0, None, None),  # no target
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "unit_code", "indicator_code", "target_kind", "numerator", "denominator",
            "actual_value", "target_value", "achievement_pct",
        ],
    )  # fmt: skip
    frame["as_of"], frame["window_start"], frame["window_end"] = APRIL, *year
    return frame


def measure_monthly() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": ["A", "A"],
            "period": [APRIL, APRIL],
            "measure_code": ["accounts_total", "dossiers_total"],
            "value": pd.array([45600, 12], dtype="int64"),
            "source_file": ["2024-04/a.xlsx", "2024-04/a.xlsx"],
            "reported_by_a_leaf": [True, True],
        }
    )


def status() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": ["A", "B"],
            "period": [APRIL, APRIL],
            "status": ["submitted", "missing"],
            "received_at": pd.to_datetime(["2024-05-05T02:00:00", None], utc=True),
            "is_late": pd.array([False, None], dtype="boolean"),
            "expected_row": [True, True],
            "has_status_row": [True, True],
        }
    )


def file_ingestion() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file_name": ["a.xlsx", "copy/a.xlsx", "notes.txt"],
            "sha256": [SHA, SHA, "b" * 64],
            "status": ["partial", "duplicate", "skipped"],
            "rows_read": [12, 0, 0],
            "rows_loaded": [11, 0, 0],
            "rows_rejected": [1, 0, 0],
            "raw_rows_of_content": [12, 12, 0],
            "rows_read_of_content": [12, 12, 0],
        }
    )


def issues() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rule_id": ["part_exceeds_whole", "targets_inconsistent"],
            "severity": ["error", "info"],
            "unit_code": ["A", "ROOT"],
            "period": [APRIL, pd.Timestamp("2024-01-01")],
            "measure_code": ["dossiers_online", None],
            "message": ["…", "…"],
        }
    )


def units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": ["ROOT", "A", "B"],
            "parent_code": [None, "ROOT", "ROOT"],
            "is_root": [True, False, False],
            "active_from": [pd.Timestamp("2022-01-01")] * 3,
            "active_to": [None, None, pd.Timestamp("2023-12-01")],
        }
    )


def targets() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator_code": ["CT3", "CT3"],
            "unit_code": ["ROOT", "A"],
            "window_start": [pd.Timestamp("2024-01-01")] * 2,
            "window_end": [pd.Timestamp("2024-12-01")] * 2,
            "target_value": [66000.0, 9500.0],
        }
    )


def population() -> pd.DataFrame:
    return pd.DataFrame(
        {"unit_code": ["A", "B"], "year": [2024, 2024], "population_14_plus": [10, 20]}
    )


def put(column, value, row=0):
    def breaker(frame):
        frame = frame.copy()
        if column in frame and pd.api.types.is_extension_array_dtype(frame[column].dtype):
            frame[column] = frame[column].astype(object)
        frame.loc[frame.index[row], column] = value
        return frame

    return breaker


def cast(column, dtype):
    def breaker(frame):
        return frame.assign(**{column: frame[column].astype(dtype)})

    return breaker


def duplicate_first(frame):
    return pd.concat([frame, frame.iloc[[0]]], ignore_index=True)


# suite -> (suite builder, clean frame, derive, {expectation name: breaker})
CASES = {
    "raw_report_rows": (raw_suite, raw_rows, None, {
        "columns_present": lambda f: f.drop(columns=["location"]),
        "row_number_is_integer": cast("row_number", "float64"),
        "value_is_integer": cast("value", "float64"),
        "cumulative_is_integer": cast("cumulative", "float64"),
        **{f"provenance_{c}_present": put(c, None) for c in (
            "batch_id", "sha256", "file_name", "row_number", "location", "file_mtime")},
        "sha256_is_hex": put("sha256", "not-a-digest"),
        "value_not_negative": put("value", -1),
        "cumulative_not_negative": put("cumulative", -5),
        "no_value_kept_when_invalid": put("value", 5, row=1),
        "period_kept_when_valid": put("period", pd.NaT),
        "unit_known": put("unit_code", "ZZZ"),
        "measure_known": put("measure_code", "accounts_totl"),
        "period_in_programme": put("period", pd.Timestamp("2021-12-01")),
    }),
    "fct_indicator_progress": (suites.indicator_progress_suite, progress,
                               frames.derive_indicator_progress, {
        "keys_unique": duplicate_first,
        **{f"{k}_present": put(k, None) for k in (
            "unit_code", "as_of", "indicator_code", "window_start", "window_end")},
        "indicator_known": put("target_kind", None),
        "numerator_not_negative": put("numerator", -1.0, row=1),
        "no_rate_over_zero_denominator": put("actual_value", 50.0, row=2),
        "rate_within_0_100": put("actual_value", 140.0),
        "actual_matches_parts": put("actual_value", 51.0, row=1),
        "achievement_matches_actual_over_target": put("achievement_pct", 99.0),
    }),
    "fct_measure_monthly": (
        lambda: suites.measure_monthly_suite({"A"}, {"accounts_total", "dossiers_total"}, APRIL),
        measure_monthly, None, {
            "keys_unique": duplicate_first,
            **{f"{c}_present": put(c, None) for c in (
                "unit_code", "period", "measure_code", "value", "source_file")},
            "value_is_integer": cast("value", "float64"),
            "value_not_negative": put("value", -3),
            "unit_known": put("unit_code", "ZZZ"),
            "measure_known": put("measure_code", "nope"),
            "reported_by_a_leaf": put("reported_by_a_leaf", False),
            "period_not_after_this_month": put("period", pd.Timestamp("2030-01-01")),
        }),
    "fct_submission_status": (suites.submission_status_suite, status, None, {
        "keys_unique": duplicate_first,
        "every_active_unit_every_month": put("has_status_row", False),
        "only_active_units_and_months": put("expected_row", False),
        "status_known": put("status", "late"),
        "received_when_submitted": put("received_at", pd.NaT),
        "lateness_known_when_submitted": put("is_late", None),
        "nothing_received_when_missing": put("received_at", pd.Timestamp("2024-05-05", tz=UTC), 1),
    }),
    "fct_file_ingestion": (
        suites.file_ingestion_suite, file_ingestion, frames.derive_file_ingestion, {
        "keys_unique": duplicate_first,
        "status_known": put("status", "weird"),
        "rows_read_not_negative": put("rows_read", -1, row=2),
        "rows_loaded_not_negative": put("rows_loaded", -1, row=2),
        "rows_rejected_not_negative": put("rows_rejected", -1, row=2),
        "read_equals_loaded_plus_rejected": put("rows_loaded", 10),
        "no_rows_lost_from_raw_store": put("raw_rows_of_content", 13),
    },
    ),
    # units.csv's rules are the reader's (ingestion/reference_files.py, tested in
    # tests/test_reference_files.py): the units suite is empty.
    "reference_units": (suites.reference_units_suite, units, frames.derive_reference_units, {}),
    "reference_targets": (
        lambda: suites.reference_targets_suite({"ROOT", "A"}, {"CT3"}), targets, None, {
        "target_rows_unique": duplicate_first,
        "target_unit_known": put("unit_code", "ZZZ", row=1),
        "target_indicator_known": put("indicator_code", "CT9"),
        "window_start_valid": put("window_start", pd.NaT),
        "window_end_valid": put("window_end", pd.NaT),
        "target_value_valid": put("target_value", None),
        "target_not_negative": put("target_value", -1.0),
    },
    ),
    "reference_population": (
        lambda: suites.reference_population_suite({"A", "B"}), population, None, {
        "population_rows_unique": duplicate_first,
        "population_unit_known": put("unit_code", "ZZZ"),
        "year_valid": put("year", None),
        "population_positive": put("population_14_plus", 0),
        "population_valid": put("population_14_plus", None),
    },
    ),
}  # fmt: skip

BREAKS = [(suite, name) for suite, case in CASES.items() for name in case[3]]


def _validate(suite_name: str, breaker=None):
    build, clean, derive, _ = CASES[suite_name]
    frame = clean()
    if breaker is not None:
        frame = breaker(frame)
    if derive is not None:
        frame = derive(frame)
    return validate(frame, build())


@pytest.mark.parametrize("suite_name", list(CASES))
def test_clean_frame_passes_and_every_expectation_has_a_breaker(suite_name):
    outcome = _validate(suite_name)
    assert outcome.passed, [(o.name, o.sample, o.observed, o.error) for o in outcome.failed]
    assert {o.name for o in outcome.outcomes} == set(CASES[suite_name][3])


@pytest.mark.parametrize(("suite_name", "expectation"), BREAKS, ids=[f"{s}-{e}" for s, e in BREAKS])
def test_each_expectation_fails_on_its_broken_frame(suite_name, expectation):
    outcome = _validate(suite_name, CASES[suite_name][3][expectation])
    assert expectation in {o.name for o in outcome.failed}, outcome.markdown()


def test_only_structural_failures_block():
    import dagster as dg

    from orchestration.quality_checks import check_result

    unknown_unit = _validate("raw_report_rows", put("unit_code", "ZZZ"))
    result = check_result(unknown_unit)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert [o.name for o in unknown_unit.failed] == ["unit_known"]

    duplicated = _validate("fct_indicator_progress", duplicate_first)
    result = check_result(duplicated)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert "keys_unique" in result.description
    assert result.metadata["expectations_failed"].value >= 1

    clean = check_result(_validate("fct_submission_status"))
    assert clean.passed


def test_rule_severities_match_the_contract():
    # CONTRACT §8, copied by hand: the catalogue seed (the one place the warehouse,
    # the reports and the receipts read a rule's severity from) must agree with it.
    seed = PROJECT_ROOT / "dbt_project" / "seeds" / "data_quality_rules.csv"
    with seed.open(encoding="utf-8") as handle:
        severities = {row["rule_id"]: row["severity"] for row in csv.DictReader(handle)}
    assert severities == {
        "part_exceeds_whole": "error", "activations_exceed_pending": "error",
        "pending_unexplained": "warn", "stock_decreased": "warn", "outlier_vs_history": "warn",
        "exceeds_population": "error", "cumulative_mismatch": "warn",
        "targets_inconsistent": "info", "missing_submission": "warn", "late_submission": "info",
        "revised_after_close": "info", "report_from_group": "error",
        "monthly_equals_cumulative": "warn", "reorganisation_shares": "info",
    }  # fmt: skip

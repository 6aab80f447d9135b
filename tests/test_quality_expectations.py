"""The GX suites on hand-made frames: each clean frame passes, and every expectation of
every suite fails on a frame broken for it (fast: no pipeline, no warehouse). Then the
raw-row check on a real raw store written by the real ingestion: each batch is validated
once, and a bad new batch blocks every run until it is repaired.

GX keeps only what arrives (raw rows, reference CSVs); the marts' rules are dbt tests,
made to fail on bad data in tests/test_dbt_data_tests.py."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from expectations import suites
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


# suite -> (suite builder, clean frame, {expectation name: breaker})
CASES = {
    "raw_report_rows": (raw_suite, raw_rows, {
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
    "reference_targets": (
        lambda: suites.reference_targets_suite({"ROOT", "A"}, {"CT3"}), targets, {
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
        lambda: suites.reference_population_suite({"A", "B"}), population, {
        "population_rows_unique": duplicate_first,
        "population_unit_known": put("unit_code", "ZZZ"),
        "year_valid": put("year", None),
        "population_positive": put("population_14_plus", 0),
        "population_valid": put("population_14_plus", None),
    },
    ),
}  # fmt: skip

BREAKS = [(suite, name) for suite, case in CASES.items() for name in case[2]]


def _validate(suite_name: str, breaker=None):
    build, clean, _ = CASES[suite_name]
    frame = clean()
    if breaker is not None:
        frame = breaker(frame)
    return validate(frame, build())


@pytest.mark.parametrize("suite_name", list(CASES))
def test_clean_frame_passes_and_every_expectation_has_a_breaker(suite_name):
    outcome = _validate(suite_name)
    assert outcome.passed, [(o.name, o.sample, o.observed, o.error) for o in outcome.failed]
    assert {o.name for o in outcome.outcomes} == set(CASES[suite_name][2])


@pytest.mark.parametrize(("suite_name", "expectation"), BREAKS, ids=[f"{s}-{e}" for s, e in BREAKS])
def test_each_expectation_fails_on_its_broken_frame(suite_name, expectation):
    outcome = _validate(suite_name, CASES[suite_name][2][expectation])
    assert expectation in {o.name for o in outcome.failed}, outcome.markdown()


def test_only_structural_failures_block():
    import dagster as dg

    from orchestration.quality_checks import check_result

    unknown_unit = _validate("raw_report_rows", put("unit_code", "ZZZ"))
    result = check_result(unknown_unit)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert [o.name for o in unknown_unit.failed] == ["unit_known"]

    negative = _validate("raw_report_rows", put("value", -1))
    result = check_result(negative)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert "value_not_negative" in result.description
    assert result.metadata["expectations_failed"].value >= 1

    duplicated = _validate("reference_targets", duplicate_first)
    assert check_result(duplicated).severity == dg.AssetCheckSeverity.ERROR

    clean = check_result(_validate("raw_report_rows"))
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


# -- the raw-row check on a real raw store: each batch once --------------------------------


@pytest.fixture
def raw_store_paths(workspace):
    """The sample's inbox ingested for real into the workspace's raw store."""
    import shutil

    from ingestion.inbox import ingest_inbox
    from orchestration.settings import resolve_paths

    shutil.copytree(PROJECT_ROOT / "sample" / "inbox", workspace.inbox, dirs_exist_ok=True)
    shutil.copytree(PROJECT_ROOT / "sample" / "reference", workspace.reference, dirs_exist_ok=True)
    paths = resolve_paths(workspace.env())
    ingest_inbox(paths.inbox, paths.raw_store)
    return paths


BAD_BATCH = "batch-20240505T020000000000-0badbad0"


def _bad_batch(paths, batch_id: str) -> None:
    """One row with a negative value kept: what ingestion must never write."""
    import datetime as dt

    import pyarrow as pa

    from ingestion import raw_store

    when = dt.datetime(2024, 5, 5, 2, tzinfo=dt.UTC)
    files = {name: [None] for name in raw_store.INBOX_FILES_SCHEMA.names}
    files.update(
        batch_id=[batch_id], file_name=["2024-04/xau.csv"], sha256=["c" * 64], size_bytes=[10],
        file_mtime=[when], file_format=["csv"], parse_status=["parsed"], ingested_at=[when],
    )  # fmt: skip
    rows = {name: [None] for name in raw_store.REPORT_ROWS_SCHEMA.names}
    rows.update(
        batch_id=[batch_id], sha256=["c" * 64], file_name=["2024-04/xau.csv"], row_number=[2],
        location=["line 2"], unit_code=["TPBA"], period=[dt.date(2024, 4, 1)],
        measure_code=["accounts_total"], raw_value=["-5"], value=[-5], file_mtime=[when],
    )  # fmt: skip
    raw_store.write_batch(
        paths.raw_store,
        batch_id,
        pa.Table.from_pydict(files, schema=raw_store.INBOX_FILES_SCHEMA),
        pa.Table.from_pydict(rows, schema=raw_store.REPORT_ROWS_SCHEMA),
    )


def _meta(result, name):
    value = result.metadata[name]
    return getattr(value, "value", value)


def test_raw_check_validates_each_batch_once_and_a_bad_batch_blocks_every_run(raw_store_paths):
    import dagster as dg

    from orchestration.quality_checks import validate_new_raw_batches

    paths = raw_store_paths
    first = validate_new_raw_batches(paths)
    assert first.passed, first.description
    # The sample's batch and the schema-only empty batch; 480 rows read from its files.
    assert _meta(first, "new_batches") == 2 and _meta(first, "batches_validated_before") == 0
    assert _meta(first, "new_rows") == _meta(first, "rows_validated") == 480

    second = validate_new_raw_batches(paths)
    assert second.passed
    assert _meta(second, "new_batches") == 0 and _meta(second, "new_rows") == 0
    assert _meta(second, "batches_validated_before") == 2
    assert "0 dòng mới" in second.description

    _bad_batch(paths, BAD_BATCH)
    for _ in range(2):  # no marker for a failed batch: every later run blocks again
        blocked = validate_new_raw_batches(paths)
        assert not blocked.passed and blocked.severity == dg.AssetCheckSeverity.ERROR
        assert "value_not_negative" in blocked.description
        assert _meta(blocked, "new_batches") == 1 and _meta(blocked, "new_rows") == 1
    assert not (paths.raw_store / "gx_validated" / f"{BAD_BATCH}.json").exists()


def test_raw_check_validates_a_replaced_batch_again(raw_store_paths):
    """A marker keeps the file's size: a batch file replaced by hand is read again."""
    from expectations.raw_batches import list_batches
    from orchestration.quality_checks import validate_new_raw_batches

    paths = raw_store_paths
    assert validate_new_raw_batches(paths).passed
    batch = max(list_batches(paths.raw_store / "report_rows"), key=lambda b: b.size)
    _bad_batch(paths, batch.batch_id)  # overwrites the sample's batch with one bad row
    again = validate_new_raw_batches(paths)
    assert not again.passed and _meta(again, "new_batches") == 1


def test_raw_check_validates_a_large_store_in_chunks_and_marks_the_good_ones(
    raw_store_paths, monkeypatch
):
    """Chunks of batches bounded in rows (a national store's first run): each chunk that
    passes is marked; the chunk with the bad batch is not, and blocks."""
    from expectations.raw_batches import chunks, list_batches
    from orchestration import quality_checks

    paths = raw_store_paths
    later = "batch-20990101T000000000000-0badbad0"  # sorts after the sample's batches
    _bad_batch(paths, later)
    batches = list_batches(paths.raw_store / "report_rows")
    # One row budget below the sample batch's 480 rows: every batch is a chunk of its own.
    assert [len(chunk) for chunk in chunks(batches, 100)] == [1] * len(batches)
    assert [len(chunk) for chunk in chunks(batches, 10_000)] == [len(batches)]

    monkeypatch.setattr(quality_checks, "RAW_ROWS_PER_VALIDATION", 100)
    result = quality_checks.validate_new_raw_batches(paths)
    assert not result.passed and "value_not_negative" in result.description
    assert _meta(result, "new_rows") == 481 and _meta(result, "new_batches") == len(batches)
    marked = {p.stem for p in (paths.raw_store / "gx_validated").glob("*.json")}
    assert marked == {batch.batch_id for batch in batches} - {later}

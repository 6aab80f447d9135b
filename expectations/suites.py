"""Great Expectations suites, kept as code (GX 1.x).

Each expectation carries `meta={"name": ..., "blocking": ...}`:
- blocking: the published numbers would be wrong (duplicate keys, rows lost, a rate over
  a zero denominator, a reference row pointing nowhere). A failure stops publication.
- not blocking: something a unit or the data team should look at, which the warehouse
  already handles (e.g. a raw row with an unknown unit code is rejected by dbt). It shows
  as a WARN check in the UI and never stops a run.

The frames these suites validate are built in expectations/frames.py. GX is imported
inside each builder: it is slow to import and only the checks need it.
"""

from __future__ import annotations

from collections.abc import Iterable

INTEGER_TYPES = ["int64", "int32", "Int64Dtype", "Int32Dtype"]  # numpy or pandas nullable
# Relative tolerance when recomputing a stored double (actual, achievement).
TOLERANCE = 1e-9


class _Suite:
    """A thin builder: suite.add(ExpectationClass, name, blocking, **kwargs)."""

    def __init__(self, name: str):
        from expectations.runner import gx_context

        gx_context()  # GX binds a suite to the current context when expectations are added
        import great_expectations as gx

        self.gx = gx
        self.suite = gx.ExpectationSuite(name=name)

    def add(self, expectation: str, name: str, blocking: bool = True, **kwargs):
        cls = getattr(self.gx.expectations, expectation)
        self.suite.add_expectation(cls(meta={"name": name, "blocking": blocking}, **kwargs))
        return self

    @staticmethod
    def column(name: str):
        from great_expectations.expectations.row_conditions import Column

        return Column(name)


def raw_report_rows_suite(
    known_units: Iterable[str], known_measures: Iterable[str], first_period, last_period
):
    """The raw store's rows as landed by ingestion (docs/raw_store.md).

    Blocking: the ingestion → dbt interface (types, provenance, no negative or invalid
    value stored). Not blocking: unknown codes and periods outside the programme, which
    are the units' mistakes that dbt rejects row by row (fct_rejected_rows).
    """
    s = _Suite("raw_report_rows")
    col = s.column
    s.add(
        "ExpectTableColumnsToMatchSet",
        "columns_present",
        column_set=[
            "batch_id",
            "sha256",
            "file_name",
            "row_number",
            "location",
            "unit_code",
            "period",
            "period_error",
            "measure_code",
            "raw_value",
            "value",
            "value_error",
            "cumulative",
            "file_mtime",
        ],
        exact_match=False,
    )
    for column in ("row_number", "value", "cumulative"):
        s.add(
            "ExpectColumnValuesToBeInTypeList",
            f"{column}_is_integer",
            column=column,
            type_list=INTEGER_TYPES,
        )
    for column in ("batch_id", "sha256", "file_name", "row_number", "location", "file_mtime"):
        s.add("ExpectColumnValuesToNotBeNull", f"provenance_{column}_present", column=column)
    s.add(
        "ExpectColumnValuesToMatchRegex", "sha256_is_hex", column="sha256", regex=r"^[0-9a-f]{64}$"
    )
    s.add("ExpectColumnValuesToBeBetween", "value_not_negative", column="value", min_value=0)
    s.add(
        "ExpectColumnValuesToBeBetween", "cumulative_not_negative", column="cumulative", min_value=0
    )
    s.add(
        "ExpectColumnValuesToBeNull",
        "no_value_kept_when_invalid",
        column="value",
        row_condition=col("value_error").is_not_null(),
    )
    s.add(
        "ExpectColumnValuesToNotBeNull",
        "period_kept_when_valid",
        column="period",
        row_condition=col("period_error").is_null(),
    )
    s.add(
        "ExpectColumnValuesToBeInSet",
        "unit_known",
        blocking=False,
        column="unit_code",
        value_set=sorted(known_units),
    )
    s.add(
        "ExpectColumnValuesToBeInSet",
        "measure_known",
        blocking=False,
        column="measure_code",
        value_set=sorted(known_measures),
    )
    s.add(
        "ExpectColumnValuesToBeBetween",
        "period_in_programme",
        blocking=False,
        column="period",
        min_value=first_period,
        max_value=last_period,
    )
    return s.suite


def indicator_progress_suite():
    """marts.fct_indicator_progress, with the columns derived in frames.indicator_progress."""
    s = _Suite("fct_indicator_progress")
    col = s.column
    keys = ["unit_code", "as_of", "indicator_code", "window_start", "window_end"]
    s.add("ExpectCompoundColumnsToBeUnique", "keys_unique", column_list=keys)
    for key in keys:
        s.add("ExpectColumnValuesToNotBeNull", f"{key}_present", column=key)
    # target_kind comes from dim_indicator: NULL = a progress row for an unknown indicator.
    s.add("ExpectColumnValuesToNotBeNull", "indicator_known", column="target_kind")
    s.add(
        "ExpectColumnValuesToBeBetween", "numerator_not_negative", column="numerator", min_value=0
    )
    s.add(
        "ExpectColumnValuesToBeNull",
        "no_rate_over_zero_denominator",
        column="actual_value",
        row_condition=col("rate_case") == "zero_denominator",
    )
    s.add(
        "ExpectColumnValuesToBeBetween",
        "rate_within_0_100",
        column="actual_value",
        min_value=0,
        max_value=100,
        row_condition=col("rate_case") == "part_within_whole",
    )
    s.add(
        "ExpectColumnValuesToBeBetween",
        "actual_matches_parts",
        column="actual_gap",
        min_value=0,
        max_value=TOLERANCE,
    )
    s.add(
        "ExpectColumnValuesToBeBetween",
        "achievement_matches_actual_over_target",
        column="achievement_gap",
        min_value=0,
        max_value=TOLERANCE,
    )
    return s.suite


def measure_monthly_suite(known_units: Iterable[str], known_measures: Iterable[str], last_period):
    """marts.fct_measure_monthly: what landed in the warehouse. `known_units`: every unit
    below the root (a node that is a group now may have reported as a leaf before)."""
    s = _Suite("fct_measure_monthly")
    s.add(
        "ExpectCompoundColumnsToBeUnique",
        "keys_unique",
        column_list=["unit_code", "period", "measure_code"],
    )
    for column in ("unit_code", "period", "measure_code", "value", "source_file"):
        s.add("ExpectColumnValuesToNotBeNull", f"{column}_present", column=column)
    s.add(
        "ExpectColumnValuesToBeInTypeList",
        "value_is_integer",
        column="value",
        type_list=INTEGER_TYPES,
    )
    s.add("ExpectColumnValuesToBeBetween", "value_not_negative", column="value", min_value=0)
    s.add(
        "ExpectColumnValuesToBeInSet",
        "unit_known",
        column="unit_code",
        value_set=sorted(known_units),
    )
    s.add(
        "ExpectColumnValuesToBeInSet",
        "measure_known",
        column="measure_code",
        value_set=sorted(known_measures),
    )
    # A group's (or the root's) figures are its subtree's sums, never stored rows
    # (CONTRACT §10): frames.read_measure_monthly says who reported as a leaf then.
    s.add(
        "ExpectColumnValuesToBeInSet",
        "reported_by_a_leaf",
        column="reported_by_a_leaf",
        value_set=[True],
    )
    # A report dated in the future loads today (no reason code for it yet): flag it.
    s.add(
        "ExpectColumnValuesToBeBetween",
        "period_not_after_this_month",
        blocking=False,
        column="period",
        max_value=last_period,
    )
    return s.suite


def submission_status_suite():
    """marts.fct_submission_status against the expected grid (frames.submission_status)."""
    s = _Suite("fct_submission_status")
    col = s.column
    s.add("ExpectCompoundColumnsToBeUnique", "keys_unique", column_list=["unit_code", "period"])
    s.add(
        "ExpectColumnValuesToBeInSet",
        "every_active_unit_every_month",
        column="has_status_row",
        value_set=[True],
    )
    s.add(
        "ExpectColumnValuesToBeInSet",
        "only_active_units_and_months",
        column="expected_row",
        value_set=[True],
    )
    s.add(
        "ExpectColumnValuesToBeInSet",
        "status_known",
        column="status",
        value_set=["submitted", "missing"],
    )
    s.add(
        "ExpectColumnValuesToNotBeNull",
        "received_when_submitted",
        column="received_at",
        row_condition=col("status") == "submitted",
    )
    s.add(
        "ExpectColumnValuesToNotBeNull",
        "lateness_known_when_submitted",
        column="is_late",
        row_condition=col("status") == "submitted",
    )
    s.add(
        "ExpectColumnValuesToBeNull",
        "nothing_received_when_missing",
        column="received_at",
        row_condition=col("status") == "missing",
    )
    return s.suite


def file_ingestion_suite():
    """marts.fct_file_ingestion: every file once, and nothing lost (frames.file_ingestion)."""
    s = _Suite("fct_file_ingestion")
    s.add("ExpectCompoundColumnsToBeUnique", "keys_unique", column_list=["file_name", "sha256"])
    s.add(
        "ExpectColumnValuesToBeInSet",
        "status_known",
        column="status",
        value_set=["loaded", "partial", "rejected", "duplicate", "skipped"],
    )
    for column in ("rows_read", "rows_loaded", "rows_rejected"):
        s.add("ExpectColumnValuesToBeBetween", f"{column}_not_negative", column=column, min_value=0)
    s.add(
        "ExpectColumnValuesToBeBetween",
        "read_equals_loaded_plus_rejected",
        column="rows_unaccounted",
        min_value=0,
        max_value=0,
    )
    s.add(
        "ExpectColumnValuesToBeBetween",
        "no_rows_lost_from_raw_store",
        column="rows_lost",
        min_value=0,
        max_value=0,
    )
    return s.suite


def reference_units_suite():
    """units.csv has no expectation here any more: its rules (codes present and unique,
    months, exactly one root, known parents, no cycle, a unit active only inside its
    parent's period) and unit_changes.csv's are checked once, by the reader
    (ingestion/reference_files.py), before dbt runs: a bad tree never reaches the build.
    The empty suite keeps the reference check's call site (orchestration) working."""
    return _Suite("reference_units").suite


def reference_targets_suite(known_units: Iterable[str], known_indicators: Iterable[str]):
    s = _Suite("reference_targets")
    keys = ["indicator_code", "unit_code", "window_start", "window_end"]
    s.add("ExpectCompoundColumnsToBeUnique", "target_rows_unique", column_list=keys)
    s.add(
        "ExpectColumnValuesToBeInSet",
        "target_unit_known",
        column="unit_code",
        value_set=sorted(known_units),
    )
    s.add(
        "ExpectColumnValuesToBeInSet",
        "target_indicator_known",
        column="indicator_code",
        value_set=sorted(known_indicators),
    )
    for column in ("window_start", "window_end", "target_value"):
        s.add("ExpectColumnValuesToNotBeNull", f"{column}_valid", column=column)
    s.add(
        "ExpectColumnValuesToBeBetween", "target_not_negative", column="target_value", min_value=0
    )
    return s.suite


def reference_population_suite(known_units: Iterable[str]):
    s = _Suite("reference_population")
    s.add(
        "ExpectCompoundColumnsToBeUnique",
        "population_rows_unique",
        column_list=["unit_code", "year"],
    )
    s.add(
        "ExpectColumnValuesToBeInSet",
        "population_unit_known",
        column="unit_code",
        value_set=sorted(known_units),
    )
    s.add("ExpectColumnValuesToNotBeNull", "year_valid", column="year")
    s.add(
        "ExpectColumnValuesToBeBetween",
        "population_positive",
        column="population_14_plus",
        min_value=1,
    )
    s.add("ExpectColumnValuesToNotBeNull", "population_valid", column="population_14_plus")
    return s.suite

"""Great Expectations suites, kept as code (GX 1.x).

Each expectation carries `meta={"name": ..., "blocking": ...}`:
- blocking: the published numbers would be wrong (a raw row of the wrong type or without
  its provenance, a negative value kept, a reference row pointing nowhere). A failure
  stops publication.
- not blocking: something a unit or the data team should look at, which the warehouse
  already handles (e.g. a raw row with an unknown unit code is rejected by dbt). It shows
  as a WARN check in the UI and never stops a run.

GX validates what arrives (issue #18): the raw store's rows and the reference CSVs,
before dbt runs. The marts' rules are dbt tests (dbt_project/tests/, the models' yml):
docs/architecture.md maps every rule to its one place. The frames these suites validate
are built in expectations/frames.py. GX is imported inside each builder: it is slow to
import and only the checks need it.
"""

from __future__ import annotations

from collections.abc import Iterable

INTEGER_TYPES = ["int64", "int32", "Int64Dtype", "Int32Dtype"]  # numpy or pandas nullable


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

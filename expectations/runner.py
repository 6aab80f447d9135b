"""Validate a pandas DataFrame against a suite in an ephemeral GX context.

Great Expectations is imported here, lazily (it takes seconds to import), with its usage
analytics and progress bars off. GX's SQL data source does not work on DuckDB, so every
suite validates a DataFrame read through a read-only DuckDB connection.
"""

from __future__ import annotations

import functools
import itertools
import warnings
from dataclasses import dataclass, field
from typing import Any

_names = itertools.count()


@functools.cache
def gx_context():
    """One ephemeral context per process (nothing written to disk)."""
    # GX probes for pyspark at import; with the Spark engine installed, pyspark warns
    # about pandas 3 although GX never hands it a DataFrame here (we validate pandas).
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


@dataclass(frozen=True)
class ExpectationOutcome:
    name: str  # meta["name"]: what the expectation guards, stable across GX versions
    expectation: str  # GX type, e.g. expect_column_values_to_be_between
    blocking: bool
    success: bool
    unexpected_count: int | None
    sample: list[Any]
    observed: Any = None
    error: str | None = None


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    rows: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(outcome.success for outcome in self.outcomes)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.success]

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [outcome for outcome in self.failed if outcome.blocking]

    def outcome(self, name: str) -> ExpectationOutcome:
        (found,) = [outcome for outcome in self.outcomes if outcome.name == name]
        return found

    def markdown(self) -> str:
        lines = [
            "| kiểm tra / expectation | chặn / blocking | kết quả | sai / unexpected "
            "| ví dụ / sample |",
            "|---|---|---|---|---|",
        ]
        for o in self.outcomes:
            verdict = "đạt / pass" if o.success else "KHÔNG ĐẠT / FAIL"
            detail = (
                o.error
                or ", ".join(str(v) for v in o.sample[:3])
                or ("" if o.observed is None else f"observed {o.observed}")
            )
            count = "" if o.unexpected_count is None else o.unexpected_count
            lines.append(
                f"| {o.name} | {'có' if o.blocking else 'không'} | {verdict} | {count} | {detail} |"
            )
        return "\n".join(lines)


def _plain(value: Any) -> Any:
    """Metadata and messages want JSON-friendly values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def validate(frame, suite) -> SuiteOutcome:
    """Validate `frame` (pandas) against `suite` (gx.ExpectationSuite built in suites.py)."""
    context = gx_context()
    name = f"{suite.name}_{next(_names)}"
    source = context.data_sources.add_pandas(name)
    batch_definition = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5}
    )
    context.data_sources.delete(name)
    outcomes = []
    for item in result.results:
        config = item.expectation_config
        details = item.result or {}
        raised = (item.exception_info or {}).get("raised_exception")
        outcomes.append(
            ExpectationOutcome(
                name=config.meta.get("name", config.type),
                expectation=config.type,
                blocking=bool(config.meta.get("blocking")),
                success=bool(item.success) and not raised,
                unexpected_count=details.get("unexpected_count"),
                sample=_plain(details.get("partial_unexpected_list") or []),
                observed=_plain(details.get("observed_value")),
                error=(item.exception_info or {}).get("exception_message") if raised else None,
            )
        )
    order = [expectation.meta.get("name") for expectation in suite.expectations]
    outcomes.sort(key=lambda o: order.index(o.name) if o.name in order else len(order))
    return SuiteOutcome(suite=suite.name, rows=len(frame), outcomes=outcomes)

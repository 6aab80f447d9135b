"""Great Expectations suites (expectations/) as Dagster asset checks, on what arrives.

GX validates the data before dbt computes anything from it (issue #18): the raw rows
(`gx_raw_report_rows`, on the raw store) and the reference CSVs as staged
(`gx_reference_data`). The marts' rules are dbt tests, shown as asset checks by
dagster-dbt; docs/architecture.md maps every rule to its one place.

Every check is declared `blocking=True` and decides its severity from what failed: a
failed structural expectation (a raw row of the wrong type or without provenance, a
reference row pointing nowhere) gives ERROR, which stops the downstream assets
(`warehouse/published`, then `monthly_report`), so the published warehouse stays as it
was; only non-structural expectations failing give WARN, shown in the UI, and the run
goes on. A unit's anomalies (CONTRACT §8) are rows of fct_data_quality_issues, never
check failures.

The raw check validates only the raw-store batches it has not validated before
(expectations/raw_batches.py: the store is append-only), once per run, in the process's
one GX context. The reference check reads the build file (`PipelinePaths.build_db`)
through a read-only DuckDB connection, before publication renames it.
"""

import csv
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from forms.month import Month
from ingestion.raw_store import REPORT_ROWS
from ingestion.reference_files import read_reference_file
from orchestration.ingestion_assets import RAW_ROWS
from orchestration.partitions import PROGRAMME_START, TIMEZONE
from orchestration.resources import PipelineConfig
from orchestration.settings import DBT_PROJECT_DIR, PipelinePaths

MEASURES_SEED = DBT_PROJECT_DIR / "seeds" / "measures.csv"
# Markers of the raw-store batches the raw-row suite has passed (expectations/raw_batches.py).
VALIDATED_LEDGER = "gx_validated"
# Rows validated as one frame (~1 GB of pandas at most).
RAW_ROWS_PER_VALIDATION = 1_000_000


def check_result(*outcomes) -> dg.AssetCheckResult:
    """One check's verdict from one or more suite outcomes (expectations/runner.py)."""
    failed = [o for outcome in outcomes for o in outcome.failed]
    blocking = [o for o in failed if o.blocking]
    metadata: dict = {
        "expectations": sum(len(outcome.outcomes) for outcome in outcomes),
        "expectations_failed": len(failed),
        "rows_validated": sum(outcome.rows for outcome in outcomes),
    }
    for outcome in outcomes:
        metadata[f"suite_{outcome.suite}"] = dg.MetadataValue.md(outcome.markdown())
    if failed:
        metadata["failures"] = dg.MetadataValue.json(
            [
                {
                    "suite": outcome.suite,
                    "expectation": o.name,
                    "gx": o.expectation,
                    "blocking": o.blocking,
                    "unexpected_count": o.unexpected_count,
                    "sample": o.sample,
                    "observed": o.observed,
                    "error": o.error,
                }
                for outcome in outcomes
                for o in outcome.failed
            ]
        )
    names = ", ".join(o.name for o in failed)
    return dg.AssetCheckResult(
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=(
            f"Không đạt / failed: {names}"
            if failed
            else "Mọi kỳ vọng đều đạt / every expectation passed"
        ),
    )


@contextmanager
def build_connection(paths: PipelinePaths) -> Iterator:
    """Read-only: dbt's subprocess is the only writer of the build file. Outside a run
    (a check launched alone in the UI after publication) the published file is read."""
    import duckdb

    path = paths.build_db if paths.build_db.exists() else paths.warehouse
    with duckdb.connect(str(path), read_only=True) as con:
        yield con


def current_month() -> Month:
    return Month.containing(datetime.now(ZoneInfo(TIMEZONE)))


def reference_codes(reference: Path) -> tuple[set[str], set[str]]:
    """(non-root unit codes of units.csv, measure codes of the dbt seed), as dbt reads them.
    units.csv goes through the one reader of reference files (ingestion/reference_files.py);
    an invalid file raises its one-line ReferenceFileError."""
    units = {
        row["unit_code"].upper()
        for row in read_reference_file(reference, "units").rows
        if row["parent_code"]
    }
    with MEASURES_SEED.open(encoding="utf-8", newline="") as handle:
        measures = {row["measure_code"] for row in csv.DictReader(handle)}
    return units, measures


@functools.lru_cache(maxsize=4)
def _raw_suite(units: frozenset[str], measures: frozenset[str], first: Month, last: Month):
    """Built once per process for the same reference codes and months."""
    import pandas as pd

    from expectations import suites

    return suites.raw_report_rows_suite(
        units, measures, pd.Timestamp(first.first_day), pd.Timestamp(last.first_day)
    )


def validate_new_raw_batches(paths: PipelinePaths) -> dg.AssetCheckResult:
    """Validate the batches of the raw store not validated before, as one frame; mark
    them validated unless a blocking expectation failed (then the next run blocks too)."""
    from expectations import raw_batches

    ledger = paths.raw_store / VALIDATED_LEDGER
    pending, before = raw_batches.pending_batches(paths.raw_store / REPORT_ROWS, ledger)
    counts = {"new_batches": len(pending), "batches_validated_before": before}
    if not pending:  # nothing new can be newly wrong: no GX, no read
        return dg.AssetCheckResult(
            passed=True,
            metadata={**counts, "new_rows": 0, "rows_validated": 0},
            description="Không có lô dữ liệu thô mới: 0 dòng mới / no new batch: 0 new rows",
        )
    import duckdb

    from expectations import frames
    from expectations.runner import validate

    units, measures = reference_codes(paths.reference)
    suite = _raw_suite(
        frozenset(units), frozenset(measures), Month.parse(PROGRAMME_START), current_month()
    )
    outcomes, new_rows = [], 0
    # A chunk of batches at a time: a first run over a national raw store (8,5 M rows)
    # as one pandas frame left the run process holding several GB while dbt ran.
    for chunk in raw_batches.chunks(pending, RAW_ROWS_PER_VALIDATION):
        with duckdb.connect() as con:
            frame = frames.read_raw_report_rows(con, [batch.path for batch in chunk])
        outcome = validate(frame, suite)
        if not outcome.blocking_failures:
            rows = frame["batch_id"].value_counts().to_dict() if "batch_id" in frame else {}
            raw_batches.record_validated(ledger, chunk, rows)
        outcomes.append(outcome)
        new_rows += len(frame)
        del frame
    # Failing chunks last: their suite table is the one the check's page shows.
    result = check_result(*sorted(outcomes, key=lambda outcome: bool(outcome.failed)))
    metadata = {**result.metadata, **counts, "new_rows": new_rows}
    return result._replace(metadata=metadata)


@dg.asset_check(
    asset=RAW_ROWS,
    name="gx_raw_report_rows",
    blocking=True,
    description=(
        "GX: dòng thô đúng kiểu, có nguồn gốc, không âm; mã đơn vị/chỉ số lạ chỉ cảnh báo. "
        "Chỉ kiểm tra các lô mới (kho thô chỉ ghi thêm). Khi không đạt: xem mục failures, "
        "báo nhóm kỹ thuật (lô lỗi bị kiểm tra lại và chặn ở mọi lần chạy sau)."
    ),
)
def raw_report_rows_check(pipeline: PipelineConfig) -> dg.AssetCheckResult:
    return validate_new_raw_batches(pipeline.paths())


@dg.asset_check(
    asset=dg.AssetKey(["marts", "dim_unit"]),
    name="gx_reference_data",
    blocking=True,
    description=(
        "GX: chỉ tiêu (targets.csv) và dân số (population.csv) hợp lệ: đơn vị và chỉ tiêu có "
        "thật, không lặp, không trống, không âm. Khi không đạt: sửa tệp theo dòng lỗi rồi chạy lại."
    ),
)
def reference_data_check(pipeline: PipelineConfig) -> dg.AssetCheckResult:
    from expectations import frames, suites
    from expectations.runner import validate

    with build_connection(pipeline.paths()) as con:
        reference = frames.read_reference(con)
    known_units = set(reference["units"]["unit_code"].dropna())
    indicators = set(reference["indicators"]["indicator_code"])
    result = check_result(
        validate(reference["targets"], suites.reference_targets_suite(known_units, indicators)),
        validate(reference["population"], suites.reference_population_suite(known_units)),
    )
    failures = result.metadata.get("failures")
    if failures is not None:  # one line naming the file and what is wrong (CONTRACT §5)
        result = result._replace(description=reference_failure_line(failures.value))
    return result


# What each reference expectation (expectations/suites.py) guards, said to the data team
# (units.csv's rules are the reader's, ingestion/reference_files.py, with their own lines).
REFERENCE_MESSAGES = {
    "target_rows_unique": (
        "targets.csv: chỉ tiêu lặp lại (cùng indicator_code, unit_code, window_start, window_end)"
    ),
    "target_unit_known": "targets.csv: unit_code không có trong units.csv",
    "target_indicator_known": "targets.csv: indicator_code không phải CT1..CT8",
    "window_start_valid": "targets.csv: window_start trống hoặc không phải tháng YYYY-MM",
    "window_end_valid": "targets.csv: window_end trống hoặc không phải tháng YYYY-MM",
    "target_value_valid": "targets.csv: target_value trống hoặc không phải số",
    "target_not_negative": "targets.csv: target_value âm",
    "population_rows_unique": "population.csv: đơn vị và năm lặp lại",
    "population_unit_known": "population.csv: unit_code không có trong units.csv",
    "year_valid": "population.csv: year trống hoặc không phải số",
    "population_positive": "population.csv: population_14_plus phải lớn hơn 0",
    "population_valid": "population.csv: population_14_plus trống hoặc không phải số",
}


def reference_failure_line(failures: list[dict]) -> str:
    """The first failed reference expectation as one line, with sample values."""
    first = sorted(failures, key=lambda f: not f["blocking"])[0]
    line = REFERENCE_MESSAGES.get(first["expectation"], f"danh mục: {first['expectation']}")
    sample = [str(value) for value in (first.get("sample") or [])[:5]]
    if sample:
        line += f" ({', '.join(sample)})"
    if len(failures) > 1:
        line += f"; và {len(failures) - 1} lỗi khác"
    return line


quality_checks = [raw_report_rows_check, reference_data_check]

# The quality part of the code location: GX on what arrives (the dbt tests are checks of
# the warehouse part, made by dagster-dbt); orchestration/definitions.py merges the parts.
defs = dg.Definitions(asset_checks=quality_checks)

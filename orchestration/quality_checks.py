"""Great Expectations suites (expectations/) as Dagster asset checks.

Every check is declared `blocking=True` and decides its severity from what failed: a
failed structural expectation (duplicate keys, rows lost, a rate over a zero
denominator, a reference row pointing nowhere) gives ERROR, which stops the downstream
assets (`warehouse/published`, then `monthly_report`), so the published warehouse stays
as it was; only non-structural expectations failing give WARN, shown in the UI, and the
run goes on. A unit's anomalies (CONTRACT §8) are rows of fct_data_quality_issues, never
check failures.

Mart checks read the build file (`PipelinePaths.build_db`, the warehouse being built,
before it is published) through a read-only DuckDB connection; blocking checks run
before publication renames that file. The raw check reads the raw store's Parquet (the
asset's own storage) before dbt runs.
"""

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from ingestion.reference_files import read_reference_file
from orchestration.ingestion_assets import RAW_ROWS
from orchestration.partitions import PROGRAMME_START, TIMEZONE
from orchestration.resources import PipelineConfig
from orchestration.settings import DBT_PROJECT_DIR, PipelinePaths

MEASURES_SEED = DBT_PROJECT_DIR / "seeds" / "measures.csv"


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


def current_month() -> str:
    return datetime.now(ZoneInfo(TIMEZONE)).strftime("%Y-%m")


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


def _month_start(month: str):
    import pandas as pd

    return pd.Timestamp(f"{month}-01")


@dg.asset_check(
    asset=RAW_ROWS,
    name="gx_raw_report_rows",
    blocking=True,
    description=(
        "GX: dòng thô đúng kiểu, có nguồn gốc, không âm; mã đơn vị/chỉ số lạ chỉ cảnh báo."
    ),
)
def raw_report_rows_check(pipeline: PipelineConfig) -> dg.AssetCheckResult:
    import duckdb

    from expectations import frames, suites
    from expectations.runner import validate

    paths = pipeline.paths()
    units, measures = reference_codes(paths.reference)
    with duckdb.connect() as con:
        frame = frames.read_raw_report_rows(con, paths.raw_store)
    suite = suites.raw_report_rows_suite(
        units, measures, _month_start(PROGRAMME_START), _month_start(current_month())
    )
    return check_result(validate(frame, suite))


def _mart_check(table: str, name: str, description: str):
    """A blocking check on a mart (the marts hold every month: one result per build)."""

    def decorate(fn):
        return dg.asset_check(
            asset=dg.AssetKey(["marts", table]),
            name=name,
            blocking=True,
            description=description,
        )(fn)

    return decorate


@_mart_check(
    "fct_indicator_progress",
    "gx_indicator_progress",
    "GX: khóa duy nhất; tỷ lệ trong 0–100 khi tử ≤ mẫu; không chia cho mẫu số 0; "
    "% đạt = kết quả/chỉ tiêu.",
)
def indicator_progress_check(pipeline: PipelineConfig) -> dg.AssetCheckResult:
    from expectations import frames, suites
    from expectations.runner import validate

    with build_connection(pipeline.paths()) as con:
        frame = frames.derive_indicator_progress(frames.read_indicator_progress(con))
    return check_result(validate(frame, suites.indicator_progress_suite()))


@_mart_check(
    "fct_measure_monthly",
    "gx_measure_monthly",
    "GX: khóa duy nhất; giá trị nguyên không âm; đơn vị và chỉ số có trong danh mục.",
)
def measure_monthly_check(pipeline: PipelineConfig) -> dg.AssetCheckResult:
    from expectations import frames, suites
    from expectations.runner import validate

    with build_connection(pipeline.paths()) as con:
        frame = frames.read_measure_monthly(con)
        units = {
            code
            for (code,) in con.execute(
                "select unit_code from marts.dim_unit where level <> 'province'"
            ).fetchall()
        }
        measures = {
            code
            for (code,) in con.execute("select measure_code from reference.measures").fetchall()
        }
    suite = suites.measure_monthly_suite(units, measures, _month_start(current_month()))
    return check_result(validate(frame, suite))


@_mart_check(
    "fct_submission_status",
    "gx_submission_status",
    "GX: mỗi đơn vị đang hoạt động có đúng một dòng trạng thái cho mỗi tháng.",
)
def submission_status_check(pipeline: PipelineConfig) -> dg.AssetCheckResult:
    from expectations import frames, suites
    from expectations.runner import validate

    with build_connection(pipeline.paths()) as con:
        frame = frames.read_submission_status(con)
    return check_result(validate(frame, suites.submission_status_suite()))


@_mart_check(
    "fct_file_ingestion",
    "gx_file_ingestion",
    "GX: mỗi tệp một dòng; đọc = nạp + loại; không mất dòng nào giữa kho thô và kho dữ liệu.",
)
def file_ingestion_check(pipeline: PipelineConfig) -> dg.AssetCheckResult:
    from expectations import frames, suites
    from expectations.runner import validate

    with build_connection(pipeline.paths()) as con:
        frame = frames.derive_file_ingestion(frames.read_file_ingestion(con))
    return check_result(validate(frame, suites.file_ingestion_suite()))


@_mart_check(
    "dim_unit",
    "gx_reference_data",
    "GX: danh mục hợp lệ: một gốc, cấp trên tồn tại, chỉ tiêu và dân số của đơn vị có thật.",
)
def reference_data_check(pipeline: PipelineConfig) -> dg.AssetCheckResult:
    from expectations import frames, suites
    from expectations.runner import validate

    with build_connection(pipeline.paths()) as con:
        reference = frames.read_reference(con)
    units = frames.derive_reference_units(reference["units"])
    known_units = set(units["unit_code"].dropna())
    indicators = set(reference["indicators"]["indicator_code"])
    result = check_result(
        validate(units, suites.reference_units_suite()),
        validate(reference["targets"], suites.reference_targets_suite(known_units, indicators)),
        validate(reference["population"], suites.reference_population_suite(known_units)),
    )
    failures = result.metadata.get("failures")
    if failures is not None:  # one line naming the file and what is wrong (CONTRACT §5)
        result = result._replace(description=reference_failure_line(failures.value))
    return result


# What each reference expectation (expectations/suites.py) guards, said to the data team.
REFERENCE_MESSAGES = {
    "unit_code_present": "units.csv: có dòng thiếu unit_code",
    "unit_code_unique": "units.csv: unit_code lặp lại",
    "exactly_one_root": "units.csv: phải có đúng một đơn vị gốc (parent_code trống)",
    "parent_known": "units.csv: parent_code không phải mã đơn vị nào trong units.csv",
    "active_from_valid": "units.csv: active_from trống hoặc không phải tháng YYYY-MM",
    "active_window_ordered": "units.csv: active_to trước active_from",
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


quality_checks = [
    raw_report_rows_check,
    indicator_progress_check,
    measure_monthly_check,
    submission_status_check,
    file_ingestion_check,
    reference_data_check,
]

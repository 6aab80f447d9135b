"""The marts' rules that moved from Great Expectations to dbt (issue #18) fail on bad data.

Each case breaks a copy of the sample's published warehouse in one way (real DuckDB) and
runs the real `dbt test` on it; the dbt test that now holds the rule must fail (or warn,
for the one advisory rule). A clean copy passes every one of them first, so a failure
can only come from the break. Cases are run in rounds of at most one break per mart, and
each target test reads one of the broken marts only, so a round's failures are each
case's own. The mapping rule -> test is docs/architecture.md ("Which check lives where").
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from itertools import zip_longest
from pathlib import Path

import duckdb
import pytest
from test_reports_support import sample_run_once

from orchestration.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.slow

STATUS = "marts.fct_submission_status"
FILES = "marts.fct_file_ingestion"
MONTHLY = "marts.fct_measure_monthly"
PROGRESS = "marts.fct_indicator_progress"
AS_OF = "marts.fct_measure_as_of"
SUM_MEASURE = (
    "measure_code in (select measure_code from reference.measures where aggregation = 'sum')"
)
LATEST_MEASURE = SUM_MEASURE.replace("'sum'", "'latest'")
ROOT = "unit_code = (select unit_code from marts.dim_unit where level = 'province')"
RATE_KIND = (
    "indicator_code in (select indicator_code from marts.dim_indicator where target_kind = 'rate')"
)
COUNT_KIND = RATE_KIND.replace("'rate'", "'count'")
SUBMITTED, MISSING, SKIPPED = "status = 'submitted'", "status = 'missing'", "status = 'skipped'"


def _first(table: str, where: str = "true") -> str:
    return f"rowid = (select min(rowid) from {table} where {where})"


# mart -> [(GX expectation it replaces, dbt test(s) that must fail, the break)]
CASES = {
    STATUS: [
        ("every_active_unit_every_month", ["assert_submission_grid"],
         [f"delete from {STATUS} where {_first(STATUS)}"]),
        ("only_active_units_and_months", ["assert_submission_grid"],
         [f"insert into {STATUS} (unit_code, period, status) "
          "values ('TDBA', '2024-04-01', 'missing')"]),
        ("received_when_submitted", ["assert_submission_status_consistent"],
         [f"update {STATUS} set received_at = null where {_first(STATUS, SUBMITTED)}"]),
        ("nothing_received_when_missing", ["assert_submission_status_consistent"],
         [f"update {STATUS} set received_at = now() where {_first(STATUS, MISSING)}"]),
    ],
    FILES: [
        ("read_equals_loaded_plus_rejected", ["assert_no_rows_lost"],
         [f"update {FILES} set rows_loaded = rows_loaded - 1 "
          f"where {_first(FILES, 'rows_loaded > 0')}"]),
        # Totals unchanged and every file balanced: only the per-content count sees it.
        ("no_rows_lost_from_raw_store", ["assert_no_rows_lost"],
         [f"update {FILES} set rows_read = rows_read + 1, rows_loaded = rows_loaded + 1 "
          f"where {_first(FILES, 'rows_loaded > 0')}",
          f"update {FILES} set rows_read = rows_read - 1, rows_loaded = rows_loaded - 1 "
          f"where rowid = (select max(rowid) from {FILES} where rows_loaded > 0)"]),
        ("rows_*_not_negative",
         [f"not_negative_fct_file_ingestion_rows_{c}" for c in ("read", "loaded", "rejected")],
         [f"update {FILES} set rows_read = -2, rows_loaded = -1, rows_rejected = -1 "
          f"where {_first(FILES, SKIPPED)}"]),
    ],
    MONTHLY: [
        ("reported_by_a_leaf (the root)", ["assert_measures_reported_by_a_leaf"],
         [f"insert into {MONTHLY} select * replace ('TDBA' as unit_code) from {MONTHLY} "
          f"where {_first(MONTHLY)}"]),
        ("value_is_integer", ["integer_typed_fct_measure_monthly_value"],
         [f"alter table {MONTHLY} alter value type double"]),
        ("value_not_negative", ["not_negative_fct_measure_monthly_value"],
         [f"update {MONTHLY} set value = -1 where {_first(MONTHLY)}"]),
        ("source_file_present", ["not_null_fct_measure_monthly_source_file"],
         [f"update {MONTHLY} set source_file = null where {_first(MONTHLY)}"]),
        ("period_not_after_this_month (warn)", ["assert_no_period_after_this_month"],
         [f"update {MONTHLY} set period = '2099-01-01' where {_first(MONTHLY)}"]),
        # The as-of measures re-derived from the monthly values: these breaks come after
        # every other monthly break, so each is the only one of its round on either mart.
        ("as_of_sum_matches_monthly (a scope's sum)", ["arithmetic_measures_match_monthly"],
         [f"update {AS_OF} set value = value + 1 "
          f"where {_first(AS_OF, f'{SUM_MEASURE} and {ROOT}')}"]),
        ("as_of_sum_matches_monthly (a monthly value)", ["arithmetic_measures_match_monthly"],
         [f"update {MONTHLY} set value = value + 1 where {_first(MONTHLY, SUM_MEASURE)}"]),
        ("group_stock_is_its_childrens (the root)", ["arithmetic_measures_match_monthly"],
         [f"update {AS_OF} set value = value + 1 "
          f"where {_first(AS_OF, f'{LATEST_MEASURE} and {ROOT}')}"]),
    ],
    PROGRESS: [
        ("actual_matches_parts", ["arithmetic_progress_kinds"],
         [f"update {PROGRESS} set actual_value = numerator + 1 "
          f"where {_first(PROGRESS, COUNT_KIND)}"]),
        ("achievement_matches_actual_over_target", ["arithmetic_achievement_pct"],
         [f"update {PROGRESS} set achievement_pct = achievement_pct + 1 "
          f"where {_first(PROGRESS, 'achievement_pct is not null')}"]),
        ("rate_within_0_100", ["arithmetic_progress_kinds"],
         [f"update {PROGRESS} set actual_value = 140 where "
          f"{_first(PROGRESS, f'{RATE_KIND} and denominator > 0 and numerator <= denominator')}"]),
        ("no_rate_over_zero_denominator", ["assert_rates_have_denominators"],
         [f"update {PROGRESS} set numerator = 0, denominator = 0, actual_value = 50 "
          f"where {_first(PROGRESS, RATE_KIND)}"]),
        ("numerator_not_negative", ["arithmetic_progress_kinds"],
         [f"update {PROGRESS} set numerator = -1, actual_value = -1 "
          f"where {_first(PROGRESS, COUNT_KIND)}"]),
        ("progress_row_set (a row missing)", ["arithmetic_progress_row_set"],
         [f"delete from {PROGRESS} where {_first(PROGRESS, ROOT)}"]),
        ("progress_row_set (a row too many)", ["arithmetic_progress_row_set"],
         [f"insert into {PROGRESS} select * from {PROGRESS} where {_first(PROGRESS)}"]),
    ],
}  # fmt: skip
TARGETS = sorted({test for cases in CASES.values() for _, tests, _ in cases for test in tests})
# Each round breaks each mart at most once.
ROUNDS = [[case for case in round_ if case is not None] for round_ in zip_longest(*CASES.values())]


class DbtTests:
    """`dbt test` of the target tests on one build file, always at the same path, so the
    profile does not change and dbt's partial parse holds between invocations."""

    def __init__(self, published: Path, folder: Path):
        self.published = published
        self.build = folder / "build.duckdb"
        self.target = folder / "target"
        self.env = {
            **os.environ,
            "DEAN5299_BUILD_DB": str(self.build),
            "DEAN5299_RAW_STORE": str(published.parent / "raw"),
            "DEAN5299_REFERENCE": str(published.with_name(published.name + ".reference")),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }

    def run(self, breaks: list[str]) -> dict[str, str]:
        shutil.copy(self.published, self.build)
        self.build.chmod(0o644)
        with duckdb.connect(str(self.build)) as con:
            for statement in breaks:
                con.execute(statement)
        dbt = Path(sys.executable).with_name("dbt")
        result = subprocess.run(
            [str(dbt), "test", "--select", *TARGETS, "--profiles-dir", str(DBT_PROJECT_DIR),
             "--target-path", str(self.target)],
            cwd=DBT_PROJECT_DIR, env=self.env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        run_results = json.loads((self.target / "run_results.json").read_text(encoding="utf-8"))
        statuses = {
            r["unique_id"].split(".")[2]: r["status"]
            for r in run_results["results"]
            if r["unique_id"].startswith("test.")  # not the project's hooks
        }
        assert set(statuses) == set(TARGETS), result.stdout[-3000:]
        return statuses


@pytest.fixture(scope="module")
def dbt_tests(tmp_path_factory, dbt_manifest):
    ws = sample_run_once(tmp_path_factory)
    return DbtTests(ws.warehouse, tmp_path_factory.mktemp("dbt_data_tests"))


def test_the_clean_sample_passes_every_moved_rule(dbt_tests):
    assert dbt_tests.run([]) == dict.fromkeys(TARGETS, "pass")


@pytest.mark.parametrize("round_", ROUNDS, ids=[f"round{i + 1}" for i in range(len(ROUNDS))])
def test_each_moved_rule_fails_on_its_break(dbt_tests, round_):
    statuses = dbt_tests.run([statement for _, _, breaks in round_ for statement in breaks])
    for rule, tests, _ in round_:
        expected = "warn" if rule.endswith("(warn)") else "fail"
        for test in tests:
            assert statuses[test] == expected, (rule, test, statuses)

"""The DataFrames the suites validate.

`read_*` query a DuckDB connection (read-only: the build file for marts, an in-memory
connection over the raw store's Parquet for raw rows); `derive_*` add the columns an
expectation needs (GX compares a column with constants, not with another column's
arithmetic), in pandas, so that tests can break a frame by hand and run the same code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _relative_gap(stored: pd.Series, expected: pd.Series) -> pd.Series:
    """|stored − expected| / max(1, |expected|); 0 when both are NULL, ∞ when one is."""
    stored = stored.astype("float64")
    expected = expected.astype("float64")
    gap = (stored - expected).abs() / np.maximum(1.0, expected.abs())
    gap = gap.where(~(stored.isna() & expected.isna()), 0.0)
    return gap.where(~(stored.isna() ^ expected.isna()), np.inf)


# -- raw store -------------------------------------------------------------------------


def read_raw_report_rows(con, raw_store) -> pd.DataFrame:
    return con.execute(
        "select * from read_parquet(?, union_by_name = true)",
        [f"{raw_store}/report_rows/*.parquet"],
    ).df()


# -- marts (build file) ----------------------------------------------------------------


def read_indicator_progress(con) -> pd.DataFrame:
    return con.execute(
        """
        select progress.*, indicators.target_kind
        from marts.fct_indicator_progress as progress
        left join marts.dim_indicator as indicators using (indicator_code)
        """
    ).df()


def derive_indicator_progress(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    rate = frame["target_kind"].eq("rate").fillna(False)
    numerator = frame["numerator"].astype("float64")
    denominator = frame["denominator"].astype("float64")
    # What a rate row is (GX row conditions compare a column with a constant).
    frame["rate_case"] = np.select(
        [~rate, denominator.fillna(0) <= 0, numerator <= denominator],
        [None, "zero_denominator", "part_within_whole"],
        "part_over_whole",
    )
    expected_actual = numerator.where(~rate, 100.0 * numerator / denominator.where(denominator > 0))
    frame["actual_gap"] = _relative_gap(frame["actual_value"], expected_actual)
    target = frame["target_value"].astype("float64")
    expected_achievement = (
        100.0 * frame["actual_value"].astype("float64") / target.where(target != 0)
    )
    frame["achievement_gap"] = _relative_gap(frame["achievement_pct"], expected_achievement)
    return frame


def read_measure_monthly(con) -> pd.DataFrame:
    """Each stored value with whether its unit was a reporting unit in that month: active,
    not the root and not a group then (CONTRACT §10: a node is a group in the months it has
    an active child, and its own report is rejected; before or after those months it may
    have reported as a leaf, so dim_unit's level, which says "has or had children", is
    not the test)."""
    return con.execute(
        """
        select monthly.*,
            coalesce(
                bridge.descendant_is_active and not bridge.descendant_is_group
                    and bridge.ancestor_depth > 0,
                false
            ) as reported_by_a_leaf
        from marts.fct_measure_monthly as monthly
        left join intermediate.int_unit_bridge as bridge
            on bridge.ancestor_code = monthly.unit_code
            and bridge.descendant_code = monthly.unit_code
            and bridge.period = monthly.period
        """
    ).df()


def read_submission_status(con) -> pd.DataFrame:
    """Status rows against the grid the contract asks for: every non-root unit active in
    each month from the first month in the data through the later of the last month in
    the data and the latest as-of month a run asked for (CONTRACT §9), except in the months
    it is a group (it has an active child then; CONTRACT §10: a group does not report)."""
    return con.execute(
        """
        with all_units as (
            select unit_code, parent_code, active_from, active_to, is_root
            from staging.stg_reference__units
        ),
        units as (
            select unit_code, active_from, active_to from all_units where not is_root
        ),
        months as (
            select unnest(generate_series(
                min(period),
                greatest(max(period), (select requested_as_of from intermediate.int_run_context)),
                interval 1 month
            ))::date as period
            from intermediate.int_report_versions_ranked
        ),
        expected as (
            select units.unit_code, months.period
            from units cross join months
            where months.period >= coalesce(units.active_from, months.period)
                and months.period <= coalesce(units.active_to, months.period)
                and not exists (
                    select 1 from all_units as children
                    where children.parent_code = units.unit_code
                        and months.period >= coalesce(children.active_from, months.period)
                        and months.period <= coalesce(children.active_to, months.period)
                )
        )
        select
            coalesce(status.unit_code, expected.unit_code) as unit_code,
            coalesce(status.period, expected.period) as period,
            status.status, status.received_at, status.is_late,
            expected.unit_code is not null as expected_row,
            status.unit_code is not null as has_status_row
        from marts.fct_submission_status as status
        full outer join expected using (unit_code, period)
        """
    ).df()


def read_file_ingestion(con) -> pd.DataFrame:
    """Each file with the raw store's row count for its content (committed batches)."""
    return con.execute(
        """
        with raw_rows as (
            select rows.sha256, count(*) as raw_rows
            from staging.stg_raw__report_rows as rows
            inner join staging.stg_raw__inbox_files as files using (batch_id, sha256)
            where files.parse_status = 'parsed'
            group by rows.sha256
        ),
        read_rows as (
            select sha256, sum(rows_read) as rows_read_of_content
            from marts.fct_file_ingestion group by sha256
        )
        select ingestion.*, coalesce(raw_rows.raw_rows, 0) as raw_rows_of_content,
            read_rows.rows_read_of_content
        from marts.fct_file_ingestion as ingestion
        left join raw_rows using (sha256)
        left join read_rows using (sha256)
        """
    ).df()


def derive_file_ingestion(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["rows_unaccounted"] = frame["rows_read"] - frame["rows_loaded"] - frame["rows_rejected"]
    frame["rows_lost"] = frame["raw_rows_of_content"] - frame["rows_read_of_content"]
    return frame


def read_reference(con) -> dict[str, pd.DataFrame]:
    """The reference folder as dbt's staging reads it (views over the CSVs)."""
    return {
        "units": con.execute("select * from staging.stg_reference__units").df(),
        "targets": con.execute("select * from staging.stg_reference__targets").df(),
        "population": con.execute("select * from staging.stg_reference__population").df(),
        "indicators": con.execute("select indicator_code from marts.dim_indicator").df(),
    }


def derive_reference_units(units: pd.DataFrame) -> pd.DataFrame:
    """units.csv's rules live in the reader (ingestion/reference_files.py); nothing to
    derive for the (empty) units suite."""
    return units.copy()

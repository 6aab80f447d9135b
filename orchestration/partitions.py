"""Monthly partitions: one per reporting month, keyed YYYY-MM like `--as-of`.

Only what is really per month is partitioned: the month's report (and what will hang
off it: receipts, documents). The warehouse build is one unpartitioned asset graph
holding every month (CONTRACT §9). The partitions end at the last finished month: a
report of the month under way would publish figures that are still arriving.
"""

from __future__ import annotations

import dagster as dg

PROGRAMME_START = "2022-01"
TIMEZONE = "Asia/Ho_Chi_Minh"

monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=PROGRAMME_START, fmt="%Y-%m", timezone=TIMEZONE, end_offset=0
)

PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def run_months(tags: dict[str, str]) -> list[str]:
    """The as-of months a run is for, from its tags: one partition, a backfill's range
    (a single-run backfill), or none (a warehouse build on its own)."""
    if tags.get(PARTITION_TAG):
        return [tags[PARTITION_TAG]]
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    if start and end:
        keys = monthly_partitions.get_partition_keys()
        if start in keys and end in keys:
            return keys[keys.index(start) : keys.index(end) + 1]
        return [start, end]
    return []

"""Monthly partitions: one per reporting month, keyed YYYY-MM like `--as-of`."""

import dagster as dg

PROGRAMME_START = "2022-01"
TIMEZONE = "Asia/Ho_Chi_Minh"

# end_offset=1 keeps the current month selectable (a mid-month preview run).
monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=PROGRAMME_START, fmt="%Y-%m", timezone=TIMEZONE, end_offset=1
)

-- A version is one file's report for one unit and month. The latest report date wins
-- (no report date: the file's modification date), ties go to the file modified last.
with identified_rows as (
    select *
    from {{ ref('int_report_rows_classified') }}
    where reason_code is null
        or reason_code not in (
            'unit_missing', 'unit_unknown', 'unit_inactive', 'period_missing', 'period_invalid',
            'period_future'
        )
),

versions as (
    select
        sha256,
        file_name,
        unit_code,
        period,
        max(report_date) as report_date,
        max(file_mtime) as received_at
    from identified_rows
    group by sha256, file_name, unit_code, period
),

ranked as (
    select
        *,
        coalesce(report_date, timezone('Asia/Ho_Chi_Minh', received_at)::date) as effective_report_date,
        row_number() over (
            partition by unit_code, period
            order by
                coalesce(report_date, timezone('Asia/Ho_Chi_Minh', received_at)::date) desc,
                received_at desc,
                file_name desc
        ) as version_rank
    from versions
)

select
    *,
    version_rank = 1 as is_winner
from ranked

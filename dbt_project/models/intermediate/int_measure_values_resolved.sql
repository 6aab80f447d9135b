-- The winning version's loaded value of each unit, month and measure (NULL value =
-- the cell was left empty: read, loaded, not reported).
with winners as (
    select * from {{ ref('int_report_versions_ranked') }} where is_winner
),

loaded_rows as (
    select * from {{ ref('int_report_rows_classified') }} where reason_code is null
)

select
    winners.unit_code,
    winners.period,
    loaded_rows.measure_code,
    max(loaded_rows.value) as value,
    max(loaded_rows.cumulative) as reported_cumulative,
    winners.file_name as source_file,
    winners.effective_report_date as report_date,
    winners.received_at,
    min(loaded_rows.location) as location
from winners
inner join loaded_rows
    on winners.sha256 = loaded_rows.sha256
    and winners.unit_code = loaded_rows.unit_code
    and winners.period = loaded_rows.period
group by all

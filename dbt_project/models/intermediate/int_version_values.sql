-- Each version's loaded value of each measure (NULL value = the cell was left empty:
-- read, loaded, not reported), with the version's standing: winner among all versions,
-- official (CONTRACT §9).
with versions as (
    select * from {{ ref('int_report_versions_ranked') }}
    where is_winner or is_official
),

loaded_rows as (
    select * from {{ ref('int_report_rows_classified') }} where reason_code is null
)

select
    versions.unit_code,
    versions.period,
    loaded_rows.measure_code,
    max(loaded_rows.value) as value,
    max(loaded_rows.cumulative) as reported_cumulative,
    versions.file_name as source_file,
    versions.effective_report_date as report_date,
    versions.received_at,
    versions.ingested_at,
    versions.is_winner,
    versions.is_official,
    min(loaded_rows.location) as location
from versions
inner join loaded_rows
    on versions.sha256 = loaded_rows.sha256
    and versions.unit_code = loaded_rows.unit_code
    and versions.period = loaded_rows.period
group by all

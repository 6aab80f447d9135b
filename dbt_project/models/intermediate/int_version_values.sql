-- Each version's loaded value of each measure (NULL value = the cell was left empty:
-- read, loaded, not reported), with the version's standing: winner among all versions,
-- official (CONTRACT §9).
-- Incremental (macros/incremental_scope.sql): a build recomputes only the unit-months
-- whose winning or official version changed (int_version_months_changed: a new month, a
-- resubmission, a closure).
-- depends_on: {{ ref('int_version_months_changed') }}
{{ config(
    materialized=dean5299.incremental_materialization(),
    incremental_strategy='append',
    pre_hook="{{ dean5299.delete_version_months() }}"
) }}

with standing as (
    {{ dean5299.standing_versions() }}
),

versions as (
    select * from standing
    {% if is_incremental() %}
    -- After the pre-hook's delete: the unit-months it removed, and the new ones.
    where (unit_code, period) in (
        select unit_code, period from {{ ref('int_version_months_changed') }}
    )
    {% endif %}
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

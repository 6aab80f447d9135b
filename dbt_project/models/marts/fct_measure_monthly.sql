-- Incremental by unit-month (int_version_months_changed, official_changed).
{{ config(
    materialized=dean5299.incremental_materialization(),
    incremental_strategy='append',
    pre_hook="{{ dean5299.delete_official_months() }}"
) }}
-- depends_on: {{ ref('int_version_months_changed') }}
select
    unit_code,
    period,
    measure_code,
    value,
    source_file,
    report_date,
    ingested_at
from {{ ref('int_measure_values_resolved') }}
where value is not null and {{ dean5299.official_months_to_build() }}

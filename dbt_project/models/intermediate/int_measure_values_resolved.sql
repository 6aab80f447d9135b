-- The official version's loaded value of each unit, month and measure: every mart
-- reads these (CONTRACT §9; for a month that is not closed, the winner of §4).
-- Incremental by unit-month (int_version_months_changed, official_changed).
{{ config(
    materialized=dean5299.incremental_materialization(),
    incremental_strategy='append',
    pre_hook="{{ dean5299.delete_official_months() }}"
) }}
-- depends_on: {{ ref('int_version_months_changed') }}
select {{ star_except(none, ['is_winner', 'is_official']) }}
from {{ ref('int_version_values') }}
where is_official and {{ dean5299.official_months_to_build() }}

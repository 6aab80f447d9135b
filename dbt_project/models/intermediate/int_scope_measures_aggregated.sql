-- Measure values per scope: each unit as it is, and the root as the sum of all units
-- (rates are then computed from these sums, never averaged).
with unit_values as (
    select * from {{ ref('int_unit_measures_aggregated') }}
),

root as (
    select unit_code from {{ ref('stg_reference__units') }} where is_root
),

root_values as (
    select
        root.unit_code,
        unit_values.as_of,
        unit_values.indicator_code,
        unit_values.window_start,
        unit_values.window_end,
        unit_values.measure_code,
        sum(unit_values.value) as value,
        max(unit_values.last_period) as last_period
    from unit_values
    cross join root
    group by all
)

select unit_code, as_of, indicator_code, window_start, window_end, measure_code, value, last_period
from unit_values
where is_active
union all
select * from root_values

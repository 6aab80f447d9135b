-- The target of each progress row, in the scope's own terms (CONTRACT §3):
-- own row first; for the root without one, the sum of unit targets (count kinds),
-- with the sum of their baselines (the province's numerator sums the units' counts,
-- so it carries what they had achieved before the data, too); for a unit without
-- one, the root's rate or population_share target (a count target on the root is
-- the province's alone). population_share becomes a count: share % x population 14+
-- of the as-of year.
with scope_windows as (
    select * from {{ ref('int_scope_windows_listed') }}
),

units as (
    select * from {{ ref('stg_reference__units') }}
),

targets as (
    select targets.*, units.is_root
    from {{ ref('stg_reference__targets') }} as targets
    inner join units using (unit_code)
),

indicators as (
    select * from {{ ref('indicators') }}
),

unit_target_sums as (
    select
        indicator_code, window_start, window_end,
        sum(target_value) as target_value,
        sum(baseline) as baseline
    from targets
    where not is_root
    group by all
),

-- The province's population is its own row, else the sum of all its units' rows.
population as (
    select population.unit_code, population.year, population.population_14_plus
    from {{ ref('stg_reference__population') }} as population
    union all
    select root.unit_code, population.year, sum(population.population_14_plus)
    from {{ ref('stg_reference__population') }} as population
    inner join units on population.unit_code = units.unit_code and not units.is_root
    cross join (select unit_code from units where is_root) as root
    where not exists (
        select 1 from {{ ref('stg_reference__population') }} as own
        where own.unit_code = root.unit_code and own.year = population.year
    )
    group by all
)

select
    scope_windows.unit_code,
    scope_windows.as_of,
    scope_windows.indicator_code,
    scope_windows.window_start,
    scope_windows.window_end,
    indicators.target_kind,
    own.target_value as own_target_value,
    case
        when own.unit_code is not null then coalesce(own.baseline, 0)
        when units.is_root and indicators.target_kind = 'count' then coalesce(unit_target_sums.baseline, 0)
        else 0
    end as baseline,
    population.population_14_plus,
    case indicators.target_kind
        when 'count' then coalesce(own.target_value, case when units.is_root then unit_target_sums.target_value end)
        when 'rate' then coalesce(own.target_value, root_target.target_value)
        when 'population_share' then
            coalesce(own.target_value, root_target.target_value) * population.population_14_plus / 100.0
    end as target_value
from scope_windows
inner join units on scope_windows.unit_code = units.unit_code
inner join indicators on scope_windows.indicator_code = indicators.indicator_code
left join targets as own
    on own.unit_code = scope_windows.unit_code
    and own.indicator_code = scope_windows.indicator_code
    and own.window_start = scope_windows.window_start
    and own.window_end = scope_windows.window_end
left join targets as root_target
    on root_target.is_root
    and root_target.indicator_code = scope_windows.indicator_code
    and root_target.window_start = scope_windows.window_start
    and root_target.window_end = scope_windows.window_end
left join unit_target_sums
    on unit_target_sums.indicator_code = scope_windows.indicator_code
    and unit_target_sums.window_start = scope_windows.window_start
    and unit_target_sums.window_end = scope_windows.window_end
left join population
    on population.unit_code = scope_windows.unit_code
    and population.year = year(scope_windows.as_of)

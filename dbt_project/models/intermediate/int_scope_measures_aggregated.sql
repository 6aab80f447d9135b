-- Each scope's value of each measure at each as-of month inside each target window
-- (CONTRACT §2). A unit: "sum" measures add its months from the window's start
-- through the as-of month; "latest" measures take the last month reported in that
-- span (accounts_transacting not before January of the as-of year), and only while
-- the unit is active, since its successor reports the stock after its active_to.
-- The root: the sum of every unit's value, so rates are later sum / sum, never an
-- average of unit rates; a unit merged away still adds its months to the root's sums.
with units as (
    select * from {{ ref('stg_reference__units') }}
),

windows as (
    select distinct indicator_code, window_start, window_end
    from {{ ref('stg_reference__targets') }}
),

measures as (
    select * from {{ ref('measures') }}
),

reported as (
    select unit_code, period, measure_code, value
    from {{ ref('int_measure_values_resolved') }}
    where value is not null
),

grid as (
    select
        units.unit_code,
        months.as_of,
        windows.indicator_code,
        windows.window_start,
        windows.window_end,
        measures.measure_code,
        measures.aggregation,
        case
            when measures.resets_yearly then greatest(windows.window_start, date_trunc('year', months.as_of)::date)
            else windows.window_start
        end as look_back_from,
        months.as_of between coalesce(units.active_from, months.as_of)
            and coalesce(units.active_to, months.as_of) as is_active
    from units
    cross join {{ ref('int_as_of_months') }} as months
    inner join windows on months.as_of between windows.window_start and windows.window_end
    inner join measures on measures.indicator_code = windows.indicator_code
    where not units.is_root
),

summed as (
    select
        grid.unit_code, grid.as_of, grid.indicator_code, grid.window_start, grid.window_end,
        grid.measure_code, grid.is_active,
        sum(reported.value) as value,
        max(reported.period) as last_period
    from grid
    inner join reported
        on reported.unit_code = grid.unit_code
        and reported.measure_code = grid.measure_code
        and reported.period between grid.window_start and grid.as_of
    where grid.aggregation = 'sum'
    group by all
),

latest as (
    select
        grid.unit_code, grid.as_of, grid.indicator_code, grid.window_start, grid.window_end,
        grid.measure_code, grid.is_active,
        arg_max(reported.value, reported.period) as value,
        max(reported.period) as last_period
    from grid
    inner join reported
        on reported.unit_code = grid.unit_code
        and reported.measure_code = grid.measure_code
        and reported.period between grid.look_back_from and grid.as_of
    where grid.aggregation = 'latest' and grid.is_active
    group by all
),

unit_values as (
    select * from summed
    union all
    select * from latest
),

root_values as (
    select
        units.unit_code,
        unit_values.as_of,
        unit_values.indicator_code,
        unit_values.window_start,
        unit_values.window_end,
        unit_values.measure_code,
        sum(unit_values.value) as value,
        max(unit_values.last_period) as last_period
    from unit_values
    cross join units
    where units.is_root
    group by all
)

-- Inactive units' rows only feed the root: the unit itself has no progress row then.
select unit_code, as_of, indicator_code, window_start, window_end, measure_code,
    value::bigint as value, last_period
from unit_values
where is_active
union all
select unit_code, as_of, indicator_code, window_start, window_end, measure_code,
    value::bigint as value, last_period
from root_values

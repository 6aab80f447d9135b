-- Blocking: fct_measure_as_of agrees with fct_measure_monthly, recomputed here the
-- plain way. A "sum" measure of any scope = the sum of the published monthly values
-- from the window's start through the as-of month (for the root: of every unit, merged
-- ones included). A "latest" measure of the root = the sum of its active units' values.
with monthly as (
    select * from {{ ref('fct_measure_monthly') }}
),

as_of_values as (
    select as_of_values.*, measures.aggregation, units.is_root
    from {{ ref('fct_measure_as_of') }} as as_of_values
    inner join {{ ref('measures') }} as measures using (measure_code)
    inner join {{ ref('stg_reference__units') }} as units using (unit_code)
),

sums_expected as (
    select
        as_of_values.unit_code, as_of_values.as_of, as_of_values.indicator_code,
        as_of_values.window_start, as_of_values.window_end, as_of_values.measure_code,
        as_of_values.value,
        coalesce(sum(monthly.value), 0) as expected_value
    from as_of_values
    left join monthly
        on monthly.measure_code = as_of_values.measure_code
        and monthly.period between as_of_values.window_start and as_of_values.as_of
        and (as_of_values.is_root or monthly.unit_code = as_of_values.unit_code)
    where as_of_values.aggregation = 'sum'
    group by all
),

root_stocks_expected as (
    select
        roots.unit_code, roots.as_of, roots.indicator_code, roots.window_start, roots.window_end,
        roots.measure_code, roots.value,
        coalesce(sum(unit_values.value), 0) as expected_value
    from as_of_values as roots
    left join as_of_values as unit_values
        on not unit_values.is_root
        and unit_values.as_of = roots.as_of
        and unit_values.indicator_code = roots.indicator_code
        and unit_values.window_start = roots.window_start
        and unit_values.window_end = roots.window_end
        and unit_values.measure_code = roots.measure_code
    where roots.is_root and roots.aggregation = 'latest'
    group by all
)

select * from sums_expected where value <> expected_value
union all
select * from root_stocks_expected where value <> expected_value

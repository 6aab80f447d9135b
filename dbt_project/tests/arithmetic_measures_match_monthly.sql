-- Blocking: fct_measure_as_of agrees with fct_measure_monthly, recomputed here the
-- plain way. A "sum" measure of any scope = the sum of the published monthly values of
-- the nodes of its subtree (int_unit_paths, itself included, ended nodes too) from the
-- window's start through the as-of month. A "latest" measure of a node that is a group in
-- the as-of month = the sum of its active children's values, for the windows set on the
-- root (every active node has those rows).
with monthly as (
    select * from {{ ref('fct_measure_monthly') }}
),

as_of_values as (
    select as_of_values.*, measures.aggregation
    from {{ ref('fct_measure_as_of') }} as as_of_values
    inner join {{ ref('measures') }} as measures using (measure_code)
),

units as (
    select * from {{ ref('stg_reference__units') }}
),

sums_expected as (
    select
        as_of_values.unit_code, as_of_values.as_of, as_of_values.indicator_code,
        as_of_values.window_start, as_of_values.window_end, as_of_values.measure_code,
        as_of_values.value,
        coalesce(sum(monthly.value), 0) as expected_value
    from as_of_values
    left join {{ ref('int_unit_paths') }} as paths on paths.ancestor_code = as_of_values.unit_code
    left join monthly
        on monthly.unit_code = paths.descendant_code
        and monthly.measure_code = as_of_values.measure_code
        and monthly.period between as_of_values.window_start and as_of_values.as_of
    where as_of_values.aggregation = 'sum'
    group by all
),

root_windows as (
    select distinct targets.indicator_code, targets.window_start, targets.window_end
    from {{ ref('stg_reference__targets') }} as targets
    inner join units using (unit_code)
    where units.is_root
),

active_children as (
    select children.parent_code, children.unit_code, months.as_of
    from units as children
    cross join {{ ref('int_as_of_months') }} as months
    where children.parent_code is not null
        and months.as_of >= coalesce(children.active_from, months.as_of)
        and months.as_of <= coalesce(children.active_to, months.as_of)
),

group_stocks_expected as (
    select
        groups.unit_code, groups.as_of, groups.indicator_code, groups.window_start, groups.window_end,
        groups.measure_code, groups.value,
        coalesce(sum(child_values.value), 0) as expected_value
    from as_of_values as groups
    inner join root_windows using (indicator_code, window_start, window_end)
    inner join active_children
        on active_children.parent_code = groups.unit_code
        and active_children.as_of = groups.as_of
    left join as_of_values as child_values
        on child_values.unit_code = active_children.unit_code
        and child_values.as_of = groups.as_of
        and child_values.indicator_code = groups.indicator_code
        and child_values.window_start = groups.window_start
        and child_values.window_end = groups.window_end
        and child_values.measure_code = groups.measure_code
    where groups.aggregation = 'latest'
    group by all
)

select * from sums_expected where value <> expected_value
union all
select * from group_stocks_expected where value <> expected_value

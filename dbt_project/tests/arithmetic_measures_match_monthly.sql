-- Blocking: fct_measure_as_of agrees with fct_measure_monthly, recomputed here the
-- plain way, not the models' way (they sum each node's months in a window, then add the
-- nodes up through int_unit_bridge). A "sum" measure of any scope = the sum of the
-- published monthly values of the nodes of its subtree (int_unit_paths, itself included,
-- ended nodes too) from the window's start through the as-of month: here each subtree's
-- monthly totals once, a running total per scope and measure over every calendar month,
-- and the running total at the as-of month less the one at the month before the window
-- (equality joins, linear in rows: joining each row to every month of every descendant
-- grew with subtree x months, 147 s of a 420 s build at 10.000 units x 72 months).
-- A "latest" measure of a node that is a group in the as-of month = the sum of its
-- active children's values, for the windows set on the root (every active node has
-- those rows).
-- The as-of months this build wrote (all of them in a full build): an incremental build
-- leaves the others as they were checked (int_as_of_months_rebuilt).
with as_of_values as (
    select as_of_values.*, measures.aggregation
    from {{ ref('fct_measure_as_of') }} as as_of_values
    inner join {{ ref('measures') }} as measures using (measure_code)
    where as_of_values.as_of in (select as_of from {{ ref('int_as_of_months_rebuilt') }})
),

units as (
    select * from {{ ref('stg_reference__units') }}
),

subtree_months as (
    select paths.ancestor_code as unit_code, monthly.measure_code, monthly.period,
        sum(monthly.value) as value
    from {{ ref('fct_measure_monthly') }} as monthly
    inner join {{ ref('int_unit_paths') }} as paths on paths.descendant_code = monthly.unit_code
    group by all
),

-- One number per scope and measure: the running totals partition and join on it (an
-- ordered row_number: Spark refuses one without ORDER BY).
series as (
    select unit_code, measure_code, row_number() over (order by unit_code, measure_code) as series_id
    from (select distinct unit_code, measure_code from subtree_months)
),

calendar_bounds as (
    select
        (select min(period) from subtree_months) as first_month,
        (select max(as_of) from as_of_values) as last_month
),

calendar as (
    select {{ month_series('first_month', 'last_month') }} as period
    from calendar_bounds
),

running_totals as (
    select series.series_id, calendar.period,
        sum(coalesce(subtree_months.value, 0)) over (
            partition by series.series_id order by calendar.period
            rows between unbounded preceding and current row
        ) as total
    from series
    cross join calendar
    left join subtree_months
        on subtree_months.unit_code = series.unit_code
        and subtree_months.measure_code = series.measure_code
        and subtree_months.period = calendar.period
),

sums as (
    select as_of_values.*, series.series_id
    from as_of_values
    left join series using (unit_code, measure_code)
    where as_of_values.aggregation = 'sum'
),

-- No running total (no month reported in the subtree, or none before the window): 0.
sums_expected as (
    select
        sums.unit_code, sums.as_of, sums.indicator_code, sums.window_start, sums.window_end,
        sums.measure_code, sums.value,
        coalesce(through_as_of.total, 0) - coalesce(before_window.total, 0) as expected_value
    from sums
    left join running_totals as through_as_of
        on through_as_of.series_id = sums.series_id
        and through_as_of.period = sums.as_of
    left join running_totals as before_window
        on before_window.series_id = sums.series_id
        and before_window.period = (sums.window_start - interval 1 month)::date
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

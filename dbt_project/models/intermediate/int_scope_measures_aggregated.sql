-- Each scope's value of each measure at each as-of month inside each target window
-- (CONTRACT §2, §10). Written once for every scope (the root, each group, each unit):
-- a scope's value is the sum, over the nodes of its subtree (int_unit_bridge, itself
-- included), of what each node reported itself:
-- - "sum" measures add the node's months from the window's start through the as-of
--   month, whether or not the node is still active (a unit merged away still adds its
--   months up to its active_to; a node that reported while a leaf keeps those months);
-- - "latest" measures take the last month the node reported in that span
--   (accounts_transacting not before January of the as-of year), and only while the
--   node is a reporting unit in the as-of month: active (its successor reports the stock
--   after its active_to) and not a group (its children report the stock then).
-- Rates are later sum / sum at every level, never an average of unit rates.
-- Incremental by as-of month (int_as_of_months_rebuilt).
{{ config(
    materialized=dean5299.incremental_materialization(),
    incremental_strategy='append',
    pre_hook="{{ dean5299.delete_as_of_months() }}"
) }}
-- depends_on: {{ ref('int_as_of_months_rebuilt') }}, {{ ref('int_as_of_months') }}

with bridge as (
    select * from {{ ref('int_unit_bridge') }}
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

-- Every node under some active scope in each as-of month, with what it is then.
nodes as (
    select distinct
        descendant_code as unit_code,
        period as as_of,
        descendant_is_active and not descendant_is_group as is_reporting
    from bridge
    where {{ dean5299.as_of_months_to_build('period') }}
),

grid as (
    select
        nodes.unit_code,
        nodes.as_of,
        nodes.is_reporting,
        windows.indicator_code,
        windows.window_start,
        windows.window_end,
        measures.measure_code,
        measures.aggregation,
        -- The first month the node's value reads: a stock that restarts each January
        -- is not read before January of the as-of year.
        case
            when measures.aggregation = 'latest' and measures.resets_yearly
                then greatest(windows.window_start, date_trunc('year', nodes.as_of)::date)
            else windows.window_start
        end as look_back_from
    from nodes
    inner join windows on nodes.as_of between windows.window_start and windows.window_end
    inner join measures on measures.indicator_code = windows.indicator_code
),

-- What each node adds to its scopes: a "sum" measure's months in the span, added; a
-- "latest" measure's last reported month there, while the node is a reporting unit.
node_values as (
    select
        {{ window_key('grid') }},
        grid.measure_code,
        case grid.aggregation
            when 'sum' then sum(reported.value)
            when 'latest' then max_by(reported.value, reported.period)
        end as value,
        max(reported.period) as last_period
    from grid
    inner join reported
        on reported.unit_code = grid.unit_code
        and reported.measure_code = grid.measure_code
        and reported.period between grid.look_back_from and grid.as_of
    where grid.aggregation = 'sum' or (grid.aggregation = 'latest' and grid.is_reporting)
    group by {{ window_key('grid') }}, grid.measure_code, grid.aggregation
)

-- Only scopes active in the as-of month: the bridge has rows for those alone.
select
    bridge.ancestor_code as unit_code,
    node_values.as_of,
    node_values.indicator_code,
    node_values.window_start,
    node_values.window_end,
    node_values.measure_code,
    sum(node_values.value)::bigint as value,
    max(node_values.last_period) as last_period
from node_values
inner join bridge
    on bridge.descendant_code = node_values.unit_code
    and bridge.period = node_values.as_of
group by all

-- Which (scope, as-of month, indicator, target window) rows the progress mart has
-- (CONTRACT §6, §10): every node active in the as-of month (the root, each group, each
-- unit) gets every window that contains the month and is set on the root, on that node,
-- or on any node of its subtree (ended nodes included). For the root that is every window.
with bridge as (
    select * from {{ ref('int_unit_bridge') }}
),

targets as (
    select distinct indicator_code, unit_code, window_start, window_end
    from {{ ref('stg_reference__targets') }}
),

-- Windows set on the scope itself or on a node of its subtree.
subtree_windows as (
    select bridge.ancestor_code as unit_code, bridge.period as as_of,
        targets.indicator_code, targets.window_start, targets.window_end
    from bridge
    inner join targets on targets.unit_code = bridge.descendant_code
),

-- Windows set on the root, for every active node (the root's own included above).
root_windows as (
    select bridge.descendant_code as unit_code, bridge.period as as_of,
        targets.indicator_code, targets.window_start, targets.window_end
    from bridge
    inner join targets on targets.unit_code = bridge.ancestor_code
    where bridge.ancestor_depth = 0 and bridge.descendant_is_active
)

select distinct unit_code, as_of, indicator_code, window_start, window_end
from (
    select * from subtree_windows
    union all
    select * from root_windows
)
where as_of between window_start and window_end

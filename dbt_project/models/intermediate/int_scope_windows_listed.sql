-- Which (scope, as-of month, indicator, target window) rows the progress mart has
-- (CONTRACT §6, §10): every node active in the as-of month (the root, each group, each
-- unit) gets every window that contains the month and is set on the root, on that node,
-- or on any node of its subtree (ended nodes included). For the root that is every window.
-- A successor (unit_changes.csv) also gets the windows set on a predecessor that contain
-- its effective_from (CONTRACT §6, §10): there it inherits a share of the target.
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
),

-- Windows set on a predecessor that contain the successor's effective_from.
predecessor_windows as (
    select bridge.descendant_code as unit_code, bridge.period as as_of,
        targets.indicator_code, targets.window_start, targets.window_end
    from {{ ref('stg_reference__unit_changes') }} as changes
    inner join targets on targets.unit_code = changes.from_unit_code
    inner join bridge
        on bridge.descendant_code = changes.to_unit_code
        and bridge.depth_difference = 0
        and bridge.descendant_is_active
    where changes.effective_from between targets.window_start and targets.window_end
)

select distinct unit_code, as_of, indicator_code, window_start, window_end
from (
    select * from subtree_windows
    union all
    select * from root_windows
    union all
    select * from predecessor_windows
)
where as_of between window_start and window_end

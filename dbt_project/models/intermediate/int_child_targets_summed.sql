-- The §10 sum of a node's children's count targets, for every node and window where one
-- exists (CONTRACT §3, §10): a child enters with its own target, else with the sum of its
-- own children's; so every target row below the node that no node in between overrides
-- with a row of its own for that window, counting only nodes active in some month of the
-- window (at every level of the path). Carries the same rows' baselines. Only rows of
-- targets.csv enter: a successor's share-derived target (int_targets_resolved) is never
-- summed upward. int_targets_resolved uses it as a group's target when the group has none
-- of its own; dq_targets_inconsistent compares it with a node's own target.
with paths as (
    select * from {{ ref('int_unit_paths') }}
),

count_holders as (
    select targets.unit_code, targets.indicator_code, targets.window_start, targets.window_end,
        targets.target_value, targets.baseline
    from {{ ref('stg_reference__targets') }} as targets
    inner join {{ ref('indicators') }} as indicators using (indicator_code)
    where indicators.target_kind = 'count' and targets.target_value is not null
),

-- A holder's row enters a scope's sum unless a node on the way blocks it: a node from the
-- scope's child down to the holder active in no month of the window, or a node strictly
-- between the scope and the holder with a row of its own for that window. Joined and
-- grouped, not a correlated NOT EXISTS: Spark cannot plan outer references inside a
-- subquery's join conditions.
entering as (
    select paths.ancestor_code as unit_code, holders.unit_code as holder_code,
        holders.indicator_code, holders.window_start, holders.window_end,
        holders.target_value, holders.baseline
    from paths
    inner join count_holders as holders on holders.unit_code = paths.descendant_code
    {{ path_down_to_row('paths.ancestor_code', 'holders.unit_code') }}
    left join count_holders as between_holder
        on between_holder.unit_code = below_scope.descendant_code
        and between_holder.indicator_code = holders.indicator_code
        and between_holder.window_start = holders.window_start
        and between_holder.window_end = holders.window_end
    where paths.depth_difference >= 1
    group by all
    having not bool_or(
        coalesce(below_scope.descendant_active_from, holders.window_end) > holders.window_end
        or coalesce(below_scope.descendant_active_to, holders.window_start) < holders.window_start
        or (to_row.depth_difference >= 1 and between_holder.unit_code is not null)
    )
)

select
    unit_code,
    indicator_code,
    window_start,
    window_end,
    sum(target_value) as target_value,
    sum(baseline) as baseline,
    count(*) as holders
from entering
group by all

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

-- A holder's row enters a scope's sum when every node from the scope's child down to the
-- holder is active in some month of the window, and no node strictly between the scope
-- and the holder holds a row of its own for that window.
candidates as (
    select paths.ancestor_code as unit_code, holders.unit_code as holder_code,
        holders.indicator_code, holders.window_start, holders.window_end,
        holders.target_value, holders.baseline
    from paths
    inner join count_holders as holders on holders.unit_code = paths.descendant_code
    where paths.depth_difference >= 1
),

-- The (scope, holder row) pairs that a node on the way blocks. Joined, not a correlated
-- NOT EXISTS: Spark cannot plan outer references inside a subquery's join conditions.
blocked as (
    select distinct candidates.unit_code, candidates.holder_code, candidates.indicator_code,
        candidates.window_start, candidates.window_end
    from candidates
    inner join paths as below_scope
        on below_scope.ancestor_code = candidates.unit_code
        and below_scope.depth_difference >= 1
    inner join paths as at_or_above_holder
        on at_or_above_holder.ancestor_code = below_scope.descendant_code
        and at_or_above_holder.descendant_code = candidates.holder_code
    left join count_holders as between_holder
        on between_holder.unit_code = below_scope.descendant_code
        and between_holder.indicator_code = candidates.indicator_code
        and between_holder.window_start = candidates.window_start
        and between_holder.window_end = candidates.window_end
    where coalesce(below_scope.descendant_active_from, candidates.window_end) > candidates.window_end
        or coalesce(below_scope.descendant_active_to, candidates.window_start) < candidates.window_start
        or (at_or_above_holder.depth_difference >= 1 and between_holder.unit_code is not null)
),

entering as (
    select candidates.*
    from candidates
    left join blocked
        on blocked.unit_code = candidates.unit_code
        and blocked.holder_code = candidates.holder_code
        and blocked.indicator_code = candidates.indicator_code
        and blocked.window_start = candidates.window_start
        and blocked.window_end = candidates.window_end
    where blocked.unit_code is null
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

-- The target of each progress row, in the scope's own terms (CONTRACT §3, §10), one rule
-- for every scope (the root is the top group, nothing more):
-- - count kinds: the scope's own row; else, for a successor and a window that contains
--   its effective_from, share x its predecessors' targets (no baseline); else the sum of
--   its children's targets for that window (int_child_targets_summed), which carries the
--   sum of the same rows' baselines (the scope's numerator sums their counts, so it
--   carries what they had achieved before the data, too); NULL when none has one. A
--   count target applies to its own node alone.
-- - rate and population_share: the scope's own row, else the nearest ancestor's;
--   population_share becomes a count: share % x population 14+ of the as-of year, the
--   population being the scope's own row, else the sum of its subtree's rows for that
--   year (again the rows no node in between overrides with its own); NULL without any.
with scope_windows as (
    select * from {{ ref('int_scope_windows_listed') }}
),

paths as (
    select * from {{ ref('int_unit_paths') }}
),

targets as (
    select * from {{ ref('stg_reference__targets') }}
),

indicators as (
    select * from {{ ref('indicators') }}
),

-- A group without a count target of its own: its children's (int_child_targets_summed).
derived_counts as (
    select unit_code, indicator_code, window_start, window_end, target_value, baseline
    from {{ ref('int_child_targets_summed') }}
),

-- A successor without a count target of its own for a window that contains its
-- effective_from: share x each predecessor's own target for that window, summed over
-- its predecessors (CONTRACT §10). No baseline: the successor's count is its own months
-- only. Never summed upward (int_child_targets_summed reads targets.csv alone).
share_counts as (
    select changes.to_unit_code as unit_code, targets.indicator_code, targets.window_start,
        targets.window_end, sum(changes.share * targets.target_value) as target_value
    from {{ ref('stg_reference__unit_changes') }} as changes
    inner join targets on targets.unit_code = changes.from_unit_code
    inner join indicators using (indicator_code)
    where indicators.target_kind = 'count' and targets.target_value is not null
        and changes.effective_from between targets.window_start and targets.window_end
    group by all
),

-- The nearest ancestor's rate or population_share (the root's in a flat organisation).
inherited_shares as (
    select paths.descendant_code as unit_code, targets.indicator_code, targets.window_start,
        targets.window_end,
        min_by(targets.target_value, paths.depth_difference) as target_value
    from paths
    inner join targets on targets.unit_code = paths.ancestor_code
    inner join indicators using (indicator_code)
    where paths.depth_difference >= 1
        and indicators.target_kind in ('rate', 'population_share')
        and targets.target_value is not null
    group by all
),

population_rows as (
    select unit_code, year, population_14_plus from {{ ref('stg_reference__population') }}
),

-- A scope without its own row: the sum of its subtree's rows of that year, a row below
-- a node that has its own row being already counted in that node's.
population_candidates as (
    select paths.ancestor_code as unit_code, paths.descendant_code as row_unit_code, rows.year,
        rows.population_14_plus
    from paths
    inner join population_rows as rows on rows.unit_code = paths.descendant_code
    where paths.depth_difference >= 1
),

-- Rows already counted in a node between the scope and the row. Joined, not a correlated
-- NOT EXISTS: Spark cannot plan outer references inside a subquery's join conditions.
population_covered as (
    select distinct population_candidates.unit_code, population_candidates.row_unit_code,
        population_candidates.year
    from population_candidates
    {{ path_down_to_row('population_candidates.unit_code', 'population_candidates.row_unit_code') }}
    inner join population_rows as between_row
        on between_row.unit_code = below_scope.descendant_code
        and between_row.year = population_candidates.year
    where to_row.depth_difference >= 1
),

subtree_population as (
    select population_candidates.unit_code, population_candidates.year,
        sum(population_candidates.population_14_plus)::bigint as population_14_plus
    from population_candidates
    left join population_covered
        on population_covered.unit_code = population_candidates.unit_code
        and population_covered.row_unit_code = population_candidates.row_unit_code
        and population_covered.year = population_candidates.year
    where population_covered.unit_code is null
    group by population_candidates.unit_code, population_candidates.year
),

population as (
    select unit_code, year, population_14_plus from population_rows
    union all
    select subtree_population.unit_code, subtree_population.year, subtree_population.population_14_plus
    from subtree_population
    where not exists (
        select 1 from population_rows as own
        where own.unit_code = subtree_population.unit_code and own.year = subtree_population.year
    )
)

select
    {{ window_key('scope_windows') }},
    indicators.target_kind,
    own.target_value as own_target_value,
    case
        when own.unit_code is not null then coalesce(own.baseline, 0)
        when indicators.target_kind = 'count' and share_counts.unit_code is not null then 0
        when indicators.target_kind = 'count' then coalesce(derived_counts.baseline, 0)
        else 0
    end as baseline,
    population.population_14_plus,
    case indicators.target_kind
        when 'count' then
            coalesce(own.target_value, share_counts.target_value, derived_counts.target_value)
        when 'rate' then coalesce(own.target_value, inherited_shares.target_value)
        when 'population_share' then
            coalesce(own.target_value, inherited_shares.target_value) * population.population_14_plus / 100.0
    end as target_value
from scope_windows
inner join indicators on scope_windows.indicator_code = indicators.indicator_code
left join targets as own
    on {{ same_window('own', 'scope_windows', as_of=false) }}
left join derived_counts
    on {{ same_window('derived_counts', 'scope_windows', as_of=false) }}
left join share_counts
    on {{ same_window('share_counts', 'scope_windows', as_of=false) }}
left join inherited_shares
    on {{ same_window('inherited_shares', 'scope_windows', as_of=false) }}
left join population
    on population.unit_code = scope_windows.unit_code
    and population.year = year(scope_windows.as_of)

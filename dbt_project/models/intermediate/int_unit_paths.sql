-- The organisation tree's static ancestor paths (CONTRACT §10): one row per ancestor and
-- descendant, self rows included (depth_difference 0), at any depth. Computed once over
-- units.csv alone (a recursive walk up parent_code, bounded at 64 levels so that a cycle,
-- which the blocking reference checks refuse, cannot run away); int_unit_bridge adds the
-- months. depth: 0 for the root.
with recursive paths (ancestor_code, descendant_code, depth_difference) as (
    select unit_code, unit_code, 0
    from {{ ref('stg_reference__units') }}
    union all
    select units.parent_code, paths.descendant_code, paths.depth_difference + 1
    from paths
    inner join {{ ref('stg_reference__units') }} as units on units.unit_code = paths.ancestor_code
    where units.parent_code is not null and paths.depth_difference < 64
),

depths as (
    -- A node's depth is the length of its path to the root (the ancestor without a parent).
    select paths.descendant_code as unit_code, max(paths.depth_difference) as depth
    from paths
    inner join {{ ref('stg_reference__units') }} as units on units.unit_code = paths.ancestor_code
    where units.parent_code is null
    group by all
)

select
    paths.ancestor_code,
    paths.descendant_code,
    paths.depth_difference,
    ancestor_depths.depth as ancestor_depth,
    descendant_depths.depth as descendant_depth,
    descendants.active_from as descendant_active_from,
    descendants.active_to as descendant_active_to
from paths
inner join {{ ref('stg_reference__units') }} as descendants on descendants.unit_code = paths.descendant_code
left join depths as ancestor_depths on ancestor_depths.unit_code = paths.ancestor_code
left join depths as descendant_depths on descendant_depths.unit_code = paths.descendant_code

-- The tree by month (CONTRACT §10): for every as-of month, every node active in that
-- month (the scope, ancestor_code) with every node of its subtree (descendant_code, self
-- included), whether or not the descendant is active then: a descendant that ended
-- still adds its months to its ancestors' sums (§2), so the flags below say what it adds.
-- descendant_is_group: the descendant has at least one child active in that month (a
-- group reports nothing itself; its figures are its subtree's). The static paths come
-- from int_unit_paths; only the months are joined here.
with paths as (
    select * from {{ ref('int_unit_paths') }}
),

months as (
    select as_of as period from {{ ref('int_as_of_months') }}
),

-- Every node's active months (both ends included).
active as (
    select self.descendant_code as unit_code, months.period
    from paths as self
    cross join months
    where self.depth_difference = 0
        and months.period >= coalesce(self.descendant_active_from, months.period)
        and months.period <= coalesce(self.descendant_active_to, months.period)
),

-- A node with at least one active child in the month is a group for that month.
group_months as (
    select distinct parent.ancestor_code as unit_code, active.period
    from paths as parent
    inner join active on active.unit_code = parent.descendant_code
    where parent.depth_difference = 1
)

select
    paths.ancestor_code,
    paths.descendant_code,
    ancestor_active.period,
    paths.depth_difference,
    paths.ancestor_depth,
    descendant_active.unit_code is not null as descendant_is_active,
    descendant_groups.unit_code is not null as descendant_is_group
from paths
inner join active as ancestor_active on ancestor_active.unit_code = paths.ancestor_code
left join active as descendant_active
    on descendant_active.unit_code = paths.descendant_code
    and descendant_active.period = ancestor_active.period
left join group_months as descendant_groups
    on descendant_groups.unit_code = paths.descendant_code
    and descendant_groups.period = ancestor_active.period

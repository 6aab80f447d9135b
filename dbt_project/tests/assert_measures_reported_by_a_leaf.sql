-- Blocking: every stored monthly value comes from a reporting unit of that month: active,
-- not the root, not a group then (CONTRACT §10: a node is a group in the months it has an
-- active child; a group's figures are its subtree's sums, never stored rows). A node that
-- is a group now may have reported as a leaf before, so dim_unit's level is not the test.
select monthly.unit_code, monthly.period, monthly.measure_code, monthly.value
from {{ ref('fct_measure_monthly') }} as monthly
left join {{ ref('int_unit_bridge') }} as bridge
    on bridge.ancestor_code = monthly.unit_code
    and bridge.descendant_code = monthly.unit_code
    and bridge.period = monthly.period
where not coalesce(
    bridge.descendant_is_active and not bridge.descendant_is_group and bridge.ancestor_depth > 0,
    false
)

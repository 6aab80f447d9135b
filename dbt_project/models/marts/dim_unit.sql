-- The organisation tree (CONTRACT §6, §10): level `province` for the root, `group` for a
-- node that has (or had) children in units.csv, `unit` for a reporting unit (a leaf);
-- depth 0 for the root. Whether a node is a group in a given month is in int_unit_bridge.
with units as (
    select * from {{ ref('stg_reference__units') }}
),

depths as (
    select descendant_code as unit_code, descendant_depth as depth
    from {{ ref('int_unit_paths') }}
    where depth_difference = 0
)

select
    units.unit_code,
    units.unit_name,
    units.unit_type,
    units.parent_code,
    case
        when units.is_root then 'province'
        when exists (select 1 from units as children where children.parent_code = units.unit_code) then 'group'
        else 'unit'
    end as level,
    depths.depth,
    units.active_from,
    units.active_to
from units
left join depths using (unit_code)

select
    unit_code,
    unit_name,
    unit_type,
    parent_code,
    case when is_root then 'province' else 'unit' end as level
from {{ ref('stg_reference__units') }}

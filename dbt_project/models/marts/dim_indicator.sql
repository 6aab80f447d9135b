select
    indicator_code,
    indicator_name,
    target_kind,
    unit_of_measure
from {{ ref('indicators') }}

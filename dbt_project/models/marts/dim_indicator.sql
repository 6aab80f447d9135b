select
    indicator_code,
    indicator_name,
    target_kind
from {{ ref('indicators') }}

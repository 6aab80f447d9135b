-- unit_changes.csv (CONTRACT §10): a predecessor's share going to a successor from
-- effective_from. Optional: the reference snapshot holds a header-only file when the
-- data team has none; it has validated months and shares (0..1, decimal point).
with source as (
    select * from {{ source('reference', 'unit_changes') }}
)

select
    upper(trim(from_unit_code)) as from_unit_code,
    upper(trim(to_unit_code)) as to_unit_code,
    {{ month_date('effective_from') }} as effective_from,
    try_cast(replace(trim(share), ',', '.') as double) as share
from source

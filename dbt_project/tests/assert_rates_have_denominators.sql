-- Blocking: no rate is computed over a zero or missing denominator.
select *
from {{ ref('fct_indicator_progress') }}
where actual_value is not null
    and indicator_code in (select indicator_code from {{ ref('indicators') }} where target_kind = 'rate')
    and coalesce(denominator, 0) = 0

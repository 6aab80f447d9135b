-- Blocking: a target row's kind is its indicator's kind, and its window is well formed.
select targets.*
from {{ ref('stg_reference__targets') }} as targets
inner join {{ ref('indicators') }} as indicators using (indicator_code)
where targets.target_kind <> indicators.target_kind
    or targets.window_end < targets.window_start

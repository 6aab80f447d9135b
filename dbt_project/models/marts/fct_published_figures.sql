-- The progress rows each publication printed, as they were then.
select
    publication_id,
    unit_code,
    as_of::date as as_of,
    indicator_code,
    window_start::date as window_start,
    window_end::date as window_end,
    numerator,
    denominator,
    actual_value,
    target_value,
    achievement_pct
from {{ source('raw', 'published_figures') }}

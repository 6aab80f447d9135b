-- Every as-of month from the first month in the data through the later of the last
-- month in the data and the latest as-of month a run asked for (CONTRACT §9): a run for
-- an earlier month never narrows what the marts hold.
with data_bounds as (
    select min(period) as first_month, max(period) as last_month
    from {{ ref('int_report_versions_ranked') }}
),

bounds as (
    select data_bounds.first_month, greatest(data_bounds.last_month, run.requested_as_of) as last_month
    from data_bounds
    cross join {{ ref('int_run_context') }} as run
)

select {{ month_series('first_month', 'last_month') }} as as_of
from bounds
where first_month is not null

-- The months closed now, with how many revised values wait in fct_pending_revisions.
with pending as (
    select period, count(*) as pending_revisions
    from {{ ref('fct_pending_revisions') }}
    group by period
)

select
    closures.period,
    closures.closed_at,
    closures.closed_by,
    closures.note,
    coalesce(pending.pending_revisions, 0) as pending_revisions
from {{ ref('int_period_closures') }} as closures
left join pending using (period)

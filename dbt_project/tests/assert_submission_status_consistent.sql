-- Blocking: a status row says one thing. A submitted unit-month has its receipt time and
-- its lateness; a missing one has no receipt time (and so no lateness).
select *
from {{ ref('fct_submission_status') }}
where (status = 'submitted' and (received_at is null or is_late is null))
    or (status = 'missing' and (received_at is not null or is_late is not null))

-- What varies from run to run, read as data (raw.run_requests, written by orchestration)
-- rather than passed as --vars, so that dbt's partial parse stays valid between runs:
-- the moment of the latest run (deadlines passed, months not yet begun) and the latest
-- as-of month any run has asked for (the horizon of every month-based mart, §9).
-- With no run logged (dbt on its own) the moment is now() and there is no horizon
-- beyond the data.
select
    coalesce(max(requested_at)::{{ type_instant() }}, now()) as run_at,
    max(as_of)::date as requested_as_of
from {{ source('raw', 'run_requests') }}

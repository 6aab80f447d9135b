-- Warn only: a report dated after the current month (Asia/Ho_Chi_Minh, at the run's
-- moment: int_run_context.run_at) loads today, as there is no reason code for it yet;
-- the data team should look at the file.
select monthly.unit_code, monthly.period, monthly.measure_code, monthly.source_file
from {{ ref('fct_measure_monthly') }} as monthly
cross join {{ ref('int_run_context') }} as context
where monthly.period > cast(date_trunc('month', {{ local_time('context.run_at') }}) as date)

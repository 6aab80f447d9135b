-- missing_submission (warn): an active unit sent no report for a month whose deadline
-- (end of day `submission_deadline_day` of the next month, Asia/Ho_Chi_Minh) has passed
-- when the run happens (int_run_context.run_at: the latest run's logged moment).
with status as (
    select * from {{ ref('fct_submission_status') }}
),

deadline as (
    select setting_value::integer as deadline_day
    from {{ ref('stg_reference__settings') }}
    where setting_key = 'submission_deadline_day'
)

select
    {{ this_rule() }} as rule_id,
    status.unit_code,
    status.period,
    cast(null as {{ dbt.type_string() }}) as measure_code,
    null::double as observed_value,
    null::double as limit_value,
    'Chưa nhận được báo cáo tháng ' || {{ format_time("status.period", '%-m/%Y') }}
        || ' (hạn nộp hết ngày '
        || {{ format_time(submission_deadline_date('status.period', 'deadline.deadline_day'), '%-d/%-m/%Y') }}
        || ').' as message
from status
cross join deadline
cross join {{ ref('int_run_context') }} as run
where status.status = 'missing'
    and {{ submission_deadline('status.period', 'deadline.deadline_day') }} < run.run_at

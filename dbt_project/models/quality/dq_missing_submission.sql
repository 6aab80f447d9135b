-- missing_submission (warn): an active unit sent no report for a month whose deadline
-- (end of day `submission_deadline_day` of the next month, Asia/Ho_Chi_Minh) has passed
-- when the run happens (int_run_context.run_at: the latest run's logged moment).
with deadline as (
    {{ deadline_day_setting() }}
)

select
    {{ dq_issue_columns('null', 'null', unit='status.unit_code', period='status.period') }},
    'Chưa nhận được báo cáo tháng ' || {{ format_time("status.period", '%-m/%Y') }}
        || ' (hạn nộp hết ngày '
        || {{ format_time(submission_deadline_date('status.period', 'deadline.deadline_day'), '%-d/%-m/%Y') }}
        || ').' as message
from {{ ref('fct_submission_status') }} as status
cross join deadline
cross join {{ ref('int_run_context') }} as run
where status.status = 'missing'
    and {{ submission_deadline('status.period', 'deadline.deadline_day') }} < run.run_at

-- missing_submission (warn): no report for a month whose deadline has passed at run time.
-- late_submission (info): the winning report arrived after the deadline.
with status as (
    select * from {{ ref('fct_submission_status') }}
),

deadline as (
    select setting_value::integer as deadline_day
    from {{ ref('stg_reference__settings') }}
    where setting_key = 'submission_deadline_day'
)

select
    'missing_submission' as rule_id,
    'warn' as severity,
    status.unit_code,
    status.period,
    null::varchar as measure_code,
    null::double as observed_value,
    null::double as limit_value,
    'Chưa nhận được báo cáo tháng ' || strftime(status.period, '%-m/%Y')
        || ' (hạn nộp ngày ' || strftime({{ submission_deadline('status.period', 'deadline.deadline_day') }} - interval 1 day, '%-d/%-m/%Y') || ').' as message
from status
cross join deadline
where status.status = 'missing'
    and {{ submission_deadline('status.period', 'deadline.deadline_day') }} < {{ run_at() }}

union all

select
    'late_submission',
    'info',
    status.unit_code,
    status.period,
    null,
    null,
    null,
    'Báo cáo tháng ' || strftime(status.period, '%-m/%Y') || ' nộp muộn: nhận lúc '
        || strftime(timezone('Asia/Ho_Chi_Minh', status.received_at), '%H:%M %-d/%-m/%Y')
        || ', hạn nộp hết ngày '
        || strftime({{ submission_deadline('status.period', 'deadline.deadline_day') }} - interval 1 day, '%-d/%-m/%Y') || '.'
from status
cross join deadline
where status.is_late

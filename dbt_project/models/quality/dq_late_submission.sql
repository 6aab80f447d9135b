-- late_submission (info): the winning report of a unit-month was received (file
-- modification time) after the deadline. observed_value = calendar days after the
-- deadline day (Asia/Ho_Chi_Minh), limit_value = 0 days.
with status as (
    select * from {{ ref('fct_submission_status') }}
),

deadline as (
    {{ deadline_day_setting() }}
),

late as (
    select
        status.unit_code,
        status.period,
        {{ local_time('status.received_at') }} as received_local,
        {{ submission_deadline_date('status.period', 'deadline.deadline_day') }} as deadline_date
    from status
    cross join deadline
    where status.is_late
)

select
    {{ dq_issue_columns(dbt.datediff('deadline_date', 'cast(received_local as date)', 'day'), '0') }},
    'Báo cáo tháng ' || {{ format_time("period", '%-m/%Y') }} || ' nộp muộn '
        || {{ dbt.datediff('deadline_date', 'cast(received_local as date)', 'day') }} || ' ngày: nhận lúc '
        || {{ format_time("received_local", '%H:%M %-d/%-m/%Y') }} || ', hạn nộp hết ngày '
        || {{ format_time("deadline_date", '%-d/%-m/%Y') }} || '.' as message
from late

-- activations_exceed_pending (error): more VNeID accounts activated in month M than could
-- have been activated: vneid_activated(M) > vneid_pending(M-1) + vneid_submitted(M).
-- M-1 must itself be reported (no comparison with an older month).
with monthly as (
    select unit_code, period, measure_code, value from {{ ref('fct_measure_monthly') }}
),

flows as (
    select
        activated.unit_code,
        activated.period,
        activated.value as activated,
        previous_pending.value as previous_pending,
        submitted.value as submitted
    from monthly as activated
    inner join monthly as previous_pending
        on previous_pending.unit_code = activated.unit_code
        and previous_pending.period = activated.period - interval 1 month
        and previous_pending.measure_code = 'vneid_pending'
    inner join monthly as submitted
        on submitted.unit_code = activated.unit_code
        and submitted.period = activated.period
        and submitted.measure_code = 'vneid_submitted'
    where activated.measure_code = 'vneid_activated'
)

select
    'activations_exceed_pending' as rule_id,
    'error' as severity,
    unit_code,
    period,
    'vneid_activated' as measure_code,
    activated::double as observed_value,
    (previous_pending + submitted)::double as limit_value,
    'Số tài khoản VNeID kích hoạt trong tháng ' || strftime(period, '%-m/%Y')
        || ' (' || {{ vi_number('activated') }} || ') lớn hơn số hồ sơ chờ duyệt tháng trước ('
        || {{ vi_number('previous_pending') }} || ') cộng số đã nộp trong tháng ('
        || {{ vi_number('submitted') }} || '), tức '
        || {{ vi_number('previous_pending + submitted') }} || '.' as message
from flows
where activated > previous_pending + submitted

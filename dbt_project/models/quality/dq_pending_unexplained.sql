-- pending_unexplained (warn): the pending stock grew more than the month's flows allow:
-- vneid_pending(M) > vneid_pending(M-1) + vneid_submitted(M) - vneid_activated(M),
-- except where activations_exceed_pending already flags the month (one cause, one flag).
-- M-1 must itself be reported (no comparison with an older month).
with monthly as (
    select unit_code, period, measure_code, value from {{ ref('fct_measure_monthly') }}
),

flows as (
    select
        pending.unit_code,
        pending.period,
        pending.value as pending,
        previous_pending.value as previous_pending,
        submitted.value as submitted,
        activated.value as activated
    from monthly as pending
    inner join monthly as previous_pending
        on previous_pending.unit_code = pending.unit_code
        and previous_pending.period = pending.period - interval 1 month
        and previous_pending.measure_code = 'vneid_pending'
    inner join monthly as submitted
        on submitted.unit_code = pending.unit_code
        and submitted.period = pending.period
        and submitted.measure_code = 'vneid_submitted'
    inner join monthly as activated
        on activated.unit_code = pending.unit_code
        and activated.period = pending.period
        and activated.measure_code = 'vneid_activated'
    where pending.measure_code = 'vneid_pending'
),

already_flagged as (
    select unit_code, period from {{ ref('dq_activations_exceed_pending') }}
)

select
    'pending_unexplained' as rule_id,
    'warn' as severity,
    flows.unit_code,
    flows.period,
    'vneid_pending' as measure_code,
    flows.pending::double as observed_value,
    (flows.previous_pending + flows.submitted - flows.activated)::double as limit_value,
    'Số tài khoản VNeID chờ duyệt cuối tháng ' || strftime(flows.period, '%-m/%Y')
        || ' (' || {{ vi_number('flows.pending') }} || ') lớn hơn số chờ duyệt tháng trước ('
        || {{ vi_number('flows.previous_pending') }} || ') cộng số đã nộp ('
        || {{ vi_number('flows.submitted') }} || ') trừ số đã kích hoạt trong tháng ('
        || {{ vi_number('flows.activated') }} || '), tức '
        || {{ vi_number('flows.previous_pending + flows.submitted - flows.activated') }} || '.' as message
from flows
where flows.pending > flows.previous_pending + flows.submitted - flows.activated
    and not exists (
        select 1 from already_flagged
        where already_flagged.unit_code = flows.unit_code and already_flagged.period = flows.period
    )

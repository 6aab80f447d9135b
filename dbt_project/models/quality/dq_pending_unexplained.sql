-- pending_unexplained (warn): the pending stock grew more than the month's flows allow:
-- vneid_pending(M) > vneid_pending(M-1) + vneid_submitted(M) - vneid_activated(M),
-- except where activations_exceed_pending already flags the month (one cause, one flag).
-- M-1 must itself be reported (no comparison with an older month).
with flows as (
    select * from {{ ref('int_vneid_months_paired') }}
),

already_flagged as (
    select unit_code, period from {{ ref('dq_activations_exceed_pending') }}
)

select
    {{ dq_issue_columns(
        'flows.pending', 'flows.previous_pending + flows.submitted - flows.activated',
        measure="'vneid_pending'", unit='flows.unit_code', period='flows.period'
    ) }},
    'Số tài khoản VNeID chờ duyệt cuối tháng ' || {{ format_time("flows.period", '%-m/%Y') }}
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

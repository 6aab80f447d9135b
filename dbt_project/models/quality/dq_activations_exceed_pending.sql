-- activations_exceed_pending (error): more VNeID accounts activated in month M than could
-- have been activated: vneid_activated(M) > vneid_pending(M-1) + vneid_submitted(M).
-- M-1 must itself be reported (no comparison with an older month).
with flows as (
    select * from {{ ref('int_vneid_months_paired') }}
)

select
    {{ this_rule() }} as rule_id,
    unit_code,
    period,
    'vneid_activated' as measure_code,
    activated::double as observed_value,
    (previous_pending + submitted)::double as limit_value,
    'Số tài khoản VNeID kích hoạt trong tháng ' || {{ format_time("period", '%-m/%Y') }}
        || ' (' || {{ vi_number('activated') }} || ') lớn hơn số hồ sơ chờ duyệt tháng trước ('
        || {{ vi_number('previous_pending') }} || ') cộng số đã nộp trong tháng ('
        || {{ vi_number('submitted') }} || '), tức '
        || {{ vi_number('previous_pending + submitted') }} || '.' as message
from flows
where activated > previous_pending + submitted

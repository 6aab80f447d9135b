-- activations_exceed_pending (error): more VNeID accounts activated in month M than could
-- have been activated: vneid_activated(M) > vneid_pending(M-1) + vneid_submitted(M).
-- M-1 must itself be reported (no comparison with an older month).
with flows as (
    select * from {{ ref('int_vneid_months_paired') }}
)

select
    {{ dq_issue_columns('activated', 'previous_pending + submitted', measure="'vneid_activated'") }},
    'Số tài khoản VNeID kích hoạt trong tháng ' || {{ format_time("period", '%-m/%Y') }}
        || ' (' || {{ vi_number('activated') }} || ') lớn hơn số hồ sơ chờ duyệt tháng trước ('
        || {{ vi_number('previous_pending') }} || ') cộng số đã nộp trong tháng ('
        || {{ vi_number('submitted') }} || '), tức '
        || {{ vi_number('previous_pending + submitted') }} || '.' as message
from flows
where activated > previous_pending + submitted

-- revised_after_close (info): a closed month whose figures a version received after the
-- close would change (CONTRACT §9), one row per unit and month; observed = how many
-- measures would change. The data team decides whether to close the month again.
select
    {{ dq_issue_columns('count(*)', 'null') }},
    'Số liệu tháng ' || {{ format_time("period", '%-m/%Y') }} || ' đã chốt; bản nộp lại (' || any_value(source_file)
        || ') sẽ thay đổi ' || count(*) || ' chỉ số, chưa được cập nhật.' as message
from {{ ref('fct_pending_revisions') }}
group by unit_code, period

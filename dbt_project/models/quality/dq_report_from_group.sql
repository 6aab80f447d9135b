-- report_from_group (error): a report from a node that is a group in its month (it has
-- at least one child active then, CONTRACT §10). Its rows are rejected with reason
-- `unit_not_leaf` (int_report_rows_classified); a group's figures are the sums of its
-- subtree's reporting units. One row per unit and month; observed_value = the rows
-- rejected for it (every file counted), limit_value = 0 rows.
with rejected as (
    select unit_code, period, count(*) as rows_rejected, count(distinct file_name) as files
    from {{ ref('int_report_rows_classified') }}
    where reason_code = 'unit_not_leaf'
    group by all
)

select
    {{ dq_issue_columns('rows_rejected', '0') }},
    'Đơn vị ' || unit_code || ' có đơn vị trực thuộc đang hoạt động trong tháng '
        || {{ format_time("period", '%-m/%Y') }} || ' nên không tự báo cáo: ' || rows_rejected
        || ' dòng của ' || files || ' tệp bị từ chối. Số liệu của đơn vị là tổng số liệu của các đơn vị trực thuộc; '
        || 'mỗi đơn vị trực thuộc gửi báo cáo của mình.' as message
from rejected

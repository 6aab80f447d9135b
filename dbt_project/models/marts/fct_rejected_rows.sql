select
    rejected.file_name,
    rejected.row_number,
    rejected.measure_code,
    rejected.raw_value,
    rejected.reason_code,
    case when rejected.sheet_name is null then 'Dòng ' || rejected.row_number else 'Ô ' || rejected.location end
        || ': ' || coalesce(reasons.message_vi, rejected.reason_code) as message
from {{ ref('int_report_rows_classified') }} as rejected
left join {{ ref('reason_codes') }} as reasons using (reason_code)
where rejected.reason_code is not null

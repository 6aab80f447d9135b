-- One row per file observation. The same bytes seen again at the same path (a copy
-- touched, say) are listed once, as first seen.
with files as (
    select *
    from {{ ref('stg_raw__inbox_files') }}
    qualify row_number() over (partition by file_name, sha256 order by ingested_at, batch_id) = 1
),

reasons as (
    select * from {{ ref('reason_codes') }}
),

row_counts as (
    select
        sha256,
        count(*) as rows_read,
        count(*) filter (where reason_code is null) as rows_loaded,
        count(*) filter (where reason_code is not null) as rows_rejected,
        string_agg(distinct reason_code, ', ' order by reason_code) as row_reasons
    from {{ ref('int_report_rows_classified') }}
    group by sha256
)

select
    files.file_name,
    files.sha256,
    case
        when files.parse_status in ('skipped', 'duplicate', 'rejected') then files.parse_status
        when coalesce(row_counts.rows_rejected, 0) = 0 then 'loaded'
        when row_counts.rows_loaded = 0 then 'rejected'
        else 'partial'
    end as status,
    coalesce(row_counts.rows_read, 0) as rows_read,
    coalesce(row_counts.rows_loaded, 0) as rows_loaded,
    coalesce(row_counts.rows_rejected, 0) as rows_rejected,
    case
        when files.parse_status = 'rejected'
            then files.error_code || ': ' || coalesce(reasons.message_vi, coalesce(files.error_detail, ''))
        when files.parse_status = 'duplicate'
            then 'Trùng nội dung với tệp đã nhận: ' || files.duplicate_of
        when files.parse_status = 'skipped'
            then 'Bỏ qua: định dạng không được nhận (chỉ nhận .xlsx, .xls, .xlsb, .ods, .csv).'
        when row_counts.rows_rejected > 0
            then 'Có dòng bị loại: ' || row_counts.row_reasons
    end as error
from files
left join row_counts on files.parse_status = 'parsed' and row_counts.sha256 = files.sha256
left join reasons on reasons.reason_code = files.error_code

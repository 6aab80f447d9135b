-- One row per file observation (a path with its bytes). Of byte-identical copies, the
-- earliest by modification time, then path, is the one read; the others are duplicates.
with copies as (
    select * from {{ ref('int_inbox_copies_ranked') }}
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
        {{ string_agg_sorted('reason_code', ', ', distinct=true) }} as row_reasons
    from {{ ref('int_report_rows_classified') }}
    group by sha256
)

select
    copies.file_name,
    copies.sha256,
    case
        when copies.copy_status in ('skipped', 'duplicate', 'rejected') then copies.copy_status
        when coalesce(row_counts.rows_rejected, 0) = 0 then 'loaded'
        when row_counts.rows_loaded = 0 then 'rejected'
        else 'partial'
    end as status,
    coalesce(row_counts.rows_read, 0) as rows_read,
    coalesce(row_counts.rows_loaded, 0) as rows_loaded,
    coalesce(row_counts.rows_rejected, 0) as rows_rejected,
    case
        when copies.copy_status = 'rejected'
            then copies.error_code || ': ' || coalesce(reasons.message_vi, coalesce(copies.error_detail, ''))
        when copies.copy_status = 'duplicate'
            then 'Trùng nội dung với tệp đã nhận: ' || coalesce(copies.duplicate_of_copy, copies.duplicate_of)
        when copies.copy_status = 'skipped' and copies.error_code is not null
            then copies.error_code || ': ' || coalesce(reasons.message_vi, copies.error_detail, '')
        when copies.copy_status = 'skipped'
            then 'Bỏ qua: định dạng không được nhận (chỉ nhận .xlsx, .xls, .xlsb, .ods, .csv).'
        when row_counts.rows_rejected > 0
            then 'Có dòng bị loại: ' || row_counts.row_reasons
    end as error,
    copies.content_ingested_at as ingested_at
from copies
left join row_counts on copies.copy_status = 'parsed' and row_counts.sha256 = copies.sha256
left join reasons on reasons.reason_code = copies.error_code

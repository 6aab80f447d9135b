with source as (
    select * from {{ source('raw', 'inbox_files') }}
),

renamed as (
    select
        batch_id,
        file_name,
        sha256,
        size_bytes,
        file_mtime::{{ type_instant() }} as file_mtime,
        file_format,
        parse_status,
        error_code,
        error_detail,
        duplicate_of,
        sheet_name,
        encoding,
        ingested_at::{{ type_instant() }} as ingested_at
    from source
)

select * from renamed

with source as (
    select * from {{ source('raw', 'report_rows') }}
),

renamed as (
    select
        batch_id,
        sha256,
        file_name,
        sheet_name,
        row_number,
        location,
        unit_code,
        period::date as period,
        period_raw,
        period_error,
        report_date::date as report_date,
        measure_code,
        raw_value,
        value::bigint as value,
        value_error,
        raw_cumulative,
        cumulative::bigint as cumulative,
        file_mtime::{{ type_instant() }} as file_mtime
    from source
)

select * from renamed

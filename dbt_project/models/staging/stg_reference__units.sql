with source as (
    select * from {{ source('reference', 'units') }}
),

renamed as (
    select
        upper(trim(unit_code)) as unit_code,
        trim(unit_name) as unit_name,
        trim(unit_type) as unit_type,
        nullif(upper(trim(parent_code)), '') as parent_code,
        {{ month_date('active_from') }} as active_from,
        {{ month_date('active_to') }} as active_to,
        nullif(upper(trim(parent_code)), '') is null as is_root
    from source
)

select * from renamed

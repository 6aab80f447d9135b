with source as (
    select * from {{ source('reference', 'settings') }}
),

renamed as (
    select
        trim(key) as setting_key,
        trim(value) as setting_value
    from source
)

select * from renamed

with source as (
    select * from {{ source('reference', 'targets') }}
),

renamed as (
    select
        upper(trim(indicator_code)) as indicator_code,
        upper(trim(unit_code)) as unit_code,
        {{ month_date('window_start') }} as window_start,
        {{ month_date('window_end') }} as window_end,
        lower(trim(target_kind)) as target_kind,
        try_cast(nullif(trim(target_value), '') as double) as target_value,
        try_cast(nullif(trim(baseline), '') as double) as baseline
    from source
)

select * from renamed

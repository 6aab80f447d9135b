with source as (
    select * from {{ source('reference', 'population') }}
),

renamed as (
    select
        upper(trim(unit_code)) as unit_code,
        try_cast(trim(year) as integer) as year,
        try_cast(trim(population_14_plus) as bigint) as population_14_plus
    from source
)

select * from renamed

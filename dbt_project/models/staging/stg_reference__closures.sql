-- closures.csv (CONTRACT §9) in file order: file_row 1 = the first data line. The last
-- row of a period decides (int_period_closures); an empty closed_at reopens the month.
-- The reference snapshot (ingestion/reference_files.py) has validated every row, written
-- closed_at with its offset (Asia/Ho_Chi_Minh when the data team gave none) and numbered
-- the rows; the fallbacks below only serve dbt run on a raw folder.
with source as (
    select * from {{ source('reference', 'closures') }}
)

select
    {{ month_date('period') }} as period,
    case
        when nullif(trim(closed_at), '') is null then null
        when {{ regexp_matches('trim(closed_at)', '([+-][0-9][0-9]:?[0-9][0-9]|Z)$') }} then trim(closed_at)::{{ type_instant() }}
        else {{ local_instant('trim(closed_at)') }}
    end as closed_at,
    nullif(trim(closed_by), '') as closed_by,
    nullif(trim(note), '') as note,
    try_cast(file_row as integer) as file_row
from source

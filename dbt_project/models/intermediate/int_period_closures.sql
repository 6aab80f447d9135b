-- The months closed now (CONTRACT §9): the last row of a period in closures.csv decides;
-- a closed_at closes the month at that moment, an empty one reopens it.
with latest as (
    select *
    from {{ ref('stg_reference__closures') }}
    qualify row_number() over (partition by period order by file_row desc) = 1
)

select period, closed_at, closed_by, note
from latest
where closed_at is not null

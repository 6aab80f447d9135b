-- Every as-of month from the first month in the data through the run's as-of month.
with data_bounds as (
    select min(period) as first_month
    from {{ ref('int_report_versions_ranked') }}
)

select unnest(generate_series(first_month, {{ as_of_date() }}, interval 1 month))::date as as_of
from data_bounds
where first_month <= {{ as_of_date() }}

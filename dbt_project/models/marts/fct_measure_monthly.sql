select
    unit_code,
    period,
    measure_code,
    value,
    source_file,
    report_date,
    ingested_at
from {{ ref('int_measure_values_resolved') }}
where value is not null

-- The official values of "sum" (flow) measures, with the `Lũy kế` given in the same
-- report: what the two rules on the Lũy kế column (cumulative_mismatch,
-- monthly_equals_cumulative) compare. A stock's year-to-date is not a sum.
select resolved.unit_code, resolved.period, resolved.measure_code, resolved.value,
    resolved.reported_cumulative
from {{ ref('int_measure_values_resolved') }} as resolved
inner join {{ ref('measures') }} as measures using (measure_code)
where measures.aggregation = 'sum'

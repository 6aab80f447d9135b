-- monthly_equals_cumulative (warn): the typical unit mistake of typing the running total
-- into the month's column (CONTRACT §8): a "sum" measure whose month value equals the
-- `Lũy kế` given in the same report, in a month that is not the unit's first reported
-- month of that year, while its earlier months of that year add up to more than 0.
with compared as (
    {{ flow_months_earlier_in_year() }}
)

select
    {{ dq_issue_columns(
        'compared.value', 'compared.earlier_sum', measure='compared.measure_code',
        unit='compared.unit_code', period='compared.period'
    ) }},
    '"' || measures.measure_name || '" tháng ' || {{ format_time("compared.period", '%-m/%Y') }}
        || ' bằng đúng số lũy kế (' || {{ vi_number('compared.value') }}
        || ') dù các tháng trước trong năm đã có ' || {{ vi_number('compared.earlier_sum') }}
        || ': có thể đã ghi số lũy kế vào cột kết quả trong tháng.' as message
from compared
inner join {{ ref('measures') }} as measures using (measure_code)
where compared.value = compared.reported_cumulative
    and compared.earlier_months > 0 and compared.earlier_sum > 0

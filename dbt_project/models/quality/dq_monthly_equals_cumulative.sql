-- monthly_equals_cumulative (warn): the typical unit mistake of typing the running total
-- into the month's column (CONTRACT §8): a "sum" measure whose month value equals the
-- `Lũy kế` given in the same report, in a month that is not the unit's first reported
-- month of that year, while its earlier months of that year add up to more than 0.
with resolved as (
    select * from {{ ref('int_flow_values') }}
),

compared as (
    select
        given.unit_code,
        given.period,
        given.measure_code,
        given.value,
        count(earlier.period) as earlier_months,
        coalesce(sum(earlier.value), 0) as earlier_sum
    from resolved as given
    left join resolved as earlier
        on earlier.unit_code = given.unit_code
        and earlier.measure_code = given.measure_code
        and earlier.period >= date_trunc('year', given.period)
        and earlier.period < given.period
    where given.reported_cumulative is not null and given.value = given.reported_cumulative
    group by all
)

select
    {{ this_rule() }} as rule_id,
    compared.unit_code,
    compared.period,
    compared.measure_code,
    compared.value::double as observed_value,
    compared.earlier_sum::double as limit_value,
    '"' || measures.measure_name || '" tháng ' || {{ format_time("compared.period", '%-m/%Y') }}
        || ' bằng đúng số lũy kế (' || {{ vi_number('compared.value') }}
        || ') dù các tháng trước trong năm đã có ' || {{ vi_number('compared.earlier_sum') }}
        || ': có thể đã ghi số lũy kế vào cột kết quả trong tháng.' as message
from compared
inner join {{ ref('measures') }} as measures using (measure_code)
where compared.earlier_months > 0 and compared.earlier_sum > 0

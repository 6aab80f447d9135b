-- cumulative_mismatch (warn): a `Lũy kế` written in the winning report differs from the
-- sum of that unit's reported months of the measure in the year through that month
-- (winning versions; a month not reported adds nothing). Flow ("sum") measures only: a
-- stock's year-to-date is not a sum.
with resolved as (
    select * from {{ ref('int_flow_values') }}
),

compared as (
    select
        given.unit_code,
        given.period,
        given.measure_code,
        given.reported_cumulative,
        coalesce(sum(months.value), 0) as year_to_date
    from resolved as given
    left join resolved as months
        on months.unit_code = given.unit_code
        and months.measure_code = given.measure_code
        and months.period between date_trunc('year', given.period) and given.period
    where given.reported_cumulative is not null
    group by all
)

select
    {{ this_rule() }} as rule_id,
    compared.unit_code,
    compared.period,
    compared.measure_code,
    compared.reported_cumulative::double as observed_value,
    compared.year_to_date::double as limit_value,
    'Lũy kế "' || measures.measure_name || '" ghi trong báo cáo tháng '
        || {{ format_time("compared.period", '%-m/%Y') }} || ' (' || {{ vi_number('compared.reported_cumulative') }}
        || ') khác tổng các tháng đã báo cáo từ đầu năm ('
        || {{ vi_number('compared.year_to_date') }} || ').' as message
from compared
inner join {{ ref('measures') }} as measures using (measure_code)
where compared.reported_cumulative <> compared.year_to_date

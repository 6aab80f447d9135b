-- cumulative_mismatch (warn): a `Lũy kế` written in the winning report differs from the
-- sum of that unit's reported months of the measure in the year through that month
-- (winning versions; a month not reported adds nothing). Flow ("sum") measures only: a
-- stock's year-to-date is not a sum.
with compared as (
    select *, earlier_sum + coalesce(value, 0) as year_to_date
    from ({{ flow_months_earlier_in_year() }}) as flows
)

select
    {{ dq_issue_columns(
        'compared.reported_cumulative', 'compared.year_to_date', measure='compared.measure_code',
        unit='compared.unit_code', period='compared.period'
    ) }},
    'Lũy kế "' || measures.measure_name || '" ghi trong báo cáo tháng '
        || {{ format_time("compared.period", '%-m/%Y') }} || ' (' || {{ vi_number('compared.reported_cumulative') }}
        || ') khác tổng các tháng đã báo cáo từ đầu năm ('
        || {{ vi_number('compared.year_to_date') }} || ').' as message
from compared
inner join {{ ref('measures') }} as measures using (measure_code)
where compared.reported_cumulative <> compared.year_to_date

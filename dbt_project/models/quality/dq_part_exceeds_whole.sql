-- part_exceeds_whole (error): a part reported above its whole in the same unit-month.
with monthly as (
    select * from {{ ref('fct_measure_monthly') }}
),

pairs as (
    select * from (values
        ('accounts_transacting', 'accounts_total'),
        ('dossiers_online', 'dossiers_total')
    ) as pairs (part_code, whole_code)
)

select
    {{ dq_issue_columns(
        'part.value', 'whole.value', measure='part.measure_code', unit='part.unit_code',
        period='part.period'
    ) }},
    measures.measure_name || ' tháng ' || {{ format_time("part.period", '%-m/%Y') }} || ' ('
        || {{ vi_number('part.value') }} || ') lớn hơn ' || whole_measures.measure_name
        || ' (' || {{ vi_number('whole.value') }} || ').' as message
from pairs
inner join monthly as part on part.measure_code = pairs.part_code
inner join monthly as whole
    on whole.unit_code = part.unit_code
    and whole.period = part.period
    and whole.measure_code = pairs.whole_code
inner join {{ ref('measures') }} as measures on measures.measure_code = part.measure_code
inner join {{ ref('measures') }} as whole_measures on whole_measures.measure_code = whole.measure_code
where part.value > whole.value

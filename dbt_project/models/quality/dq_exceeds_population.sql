-- exceeds_population (error): a unit's digital signatures over the year exceed its
-- citizens aged 14+ (population.csv, that year's row). Keyed on the first month in which
-- the year's running sum exceeds the population. Units without a population row (đoàn
-- khối) have no territory and are not checked.
with signatures as (
    select unit_code, period, value
    from {{ ref('fct_measure_monthly') }}
    where measure_code = 'digital_signatures'
),

running as (
    select
        unit_code,
        period,
        sum(value) over (
            partition by unit_code, year(period) order by period
            rows between unbounded preceding and current row
        ) as year_to_date
    from signatures
),

over_population as (
    select
        running.unit_code,
        running.period,
        running.year_to_date,
        population.population_14_plus
    from running
    inner join {{ ref('stg_reference__population') }} as population
        on population.unit_code = running.unit_code
        and population.year = year(running.period)
    where running.year_to_date > population.population_14_plus
    qualify row_number() over (partition by running.unit_code, year(running.period) order by running.period) = 1
)

select
    {{ dq_issue_columns('year_to_date', 'population_14_plus', measure="'digital_signatures'") }},
    'Số công dân được hỗ trợ đăng ký chữ ký số cá nhân từ đầu năm ' || year(period)
        || ' đến hết tháng ' || {{ format_time("period", '%-m/%Y') }} || ' ('
        || {{ vi_number('year_to_date') }} || ') lớn hơn dân số từ 14 tuổi trở lên của đơn vị ('
        || {{ vi_number('population_14_plus') }} || ').' as message
from over_population

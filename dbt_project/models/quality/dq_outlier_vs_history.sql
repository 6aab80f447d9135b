-- outlier_vs_history (warn): a month's flow far outside the unit's own history of that
-- measure. Method (docs/data_quality.md): modified z-score against the unit's previous
-- reported months of the measure (the 12 most recent before M, at least 3):
--     z = (x - median) / s,  s = 1.4826 * MAD
-- (MAD = median absolute deviation; 1.4826 * MAD estimates a standard deviation, so this
-- is Iglewicz & Hoaglin's 0.6745 * (x - median) / MAD). Where MAD = 0 (most months
-- equal), s = 1.2533 * mean absolute deviation; and s is never below 1.4826, the value
-- of a MAD of one count, since counts are whole numbers. Flagged when |z| > 3.5.
-- Only months before M are used, so a flag never changes when later months arrive.
{% set z_limit = 3.5 %}
{% set min_history = 3 %}
{% set max_history = 12 %}
with flows as (
    select
        monthly.unit_code, monthly.period, monthly.measure_code, monthly.value,
        -- One integer per unit-measure series, and the series' reported months numbered:
        -- "the 12 most recent before M" is then a range of numbers, a join linear in the
        -- months (a join to every earlier month, cut afterwards, was quadratic: 10.000
        -- units x 72 months spilled past 50 GB), and the medians below group ~12 values
        -- under two integers, not under three text and date keys (a third less memory:
        -- the medians hold every value of every group at once).
        dense_rank() over (order by monthly.unit_code, monthly.measure_code) as series,
        row_number() over (
            partition by monthly.unit_code, monthly.measure_code order by monthly.period
        ) as month_number
    from {{ ref('fct_measure_monthly') }} as monthly
    inner join {{ ref('measures') }} as measures using (measure_code)
    where measures.aggregation = 'sum'
),

history as (
    select
        flows.series,
        flows.month_number,
        earlier.value as history_value
    from flows
    inner join flows as earlier
        on earlier.series = flows.series
        and earlier.month_number between flows.month_number - {{ max_history }}
            and flows.month_number - 1
),

centre as (
    select series, month_number,
        median(history_value) as history_median
    from history
    group by series, month_number
    having count(*) >= {{ min_history }}
),

spread as (
    select
        centre.series, centre.month_number, centre.history_median,
        median(abs(history.history_value - centre.history_median)) as mad,
        avg(abs(history.history_value - centre.history_median)) as mean_ad
    from centre
    inner join history using (series, month_number)
    group by centre.series, centre.month_number, centre.history_median
),

scored as (
    select
        flows.unit_code, flows.period, flows.measure_code, flows.value,
        spread.history_median,
        greatest(
            case when spread.mad > 0 then 1.4826 * spread.mad else 1.2533 * spread.mean_ad end,
            1.4826
        ) as scale
    from spread
    inner join flows using (series, month_number)
),

bounded as (
    select
        *,
        (value - history_median) / scale as z_score,
        history_median + {{ z_limit }} * scale as upper_limit,
        greatest(history_median - {{ z_limit }} * scale, 0) as lower_limit
    from scored
)

select
    {{ dq_issue_columns(
        'bounded.value',
        'case when bounded.z_score > 0 then bounded.upper_limit else bounded.lower_limit end',
        measure='bounded.measure_code', unit='bounded.unit_code', period='bounded.period'
    ) }},
    measures.measure_name || ' tháng ' || {{ format_time("bounded.period", '%-m/%Y') }}
        || ' (' || {{ vi_number('bounded.value') }} || ') '
        || case when bounded.z_score > 0 then 'cao' else 'thấp' end
        || ' bất thường so với các tháng trước của đơn vị (trung vị '
        || {{ vi_number('round(bounded.history_median)') }} || ', khoảng bình thường '
        || {{ vi_number('ceil(bounded.lower_limit)') }} || '–'
        || {{ vi_number('floor(bounded.upper_limit)') }} || ').' as message
from bounded
inner join {{ ref('measures') }} as measures using (measure_code)
where abs(bounded.z_score) > {{ z_limit }}

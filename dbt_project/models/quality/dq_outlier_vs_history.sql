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
    select monthly.unit_code, monthly.period, monthly.measure_code, monthly.value
    from {{ ref('fct_measure_monthly') }} as monthly
    inner join {{ ref('measures') }} as measures using (measure_code)
    where measures.aggregation = 'sum'
),

-- Each month with its history's median, MAD and mean absolute deviation. On DuckDB one
-- window per row (the earlier values as a list), not a self-join grouped by month: the
-- grouped median() held every month's ~12 values at once and needed more than 3 GB at
-- 10.000 units x 72 months; the window sorts out of core (docs/benchmarks.md).
{{ history_median_mad('flows', 'spread', min_history, max_history) }},

scored as (
    select
        spread.unit_code, spread.period, spread.measure_code, spread.value,
        spread.history_median,
        greatest(
            case when spread.mad > 0 then 1.4826 * spread.mad else 1.2533 * spread.mean_ad end,
            1.4826
        ) as scale
    from spread
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

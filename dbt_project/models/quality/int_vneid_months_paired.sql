-- Each unit-month's VNeID flows beside the previous month's pending stock, for the two
-- CT8 consistency rules. previous_pending is NULL where M-1 was not reported, so those
-- rules never compare with an older month.
with pivoted as (
    select
        unit_code,
        period,
        max(value) filter (where measure_code = 'vneid_pending') as pending,
        max(value) filter (where measure_code = 'vneid_submitted') as submitted,
        max(value) filter (where measure_code = 'vneid_activated') as activated
    from {{ ref('fct_measure_monthly') }}
    where measure_code in ('vneid_pending', 'vneid_submitted', 'vneid_activated')
    group by unit_code, period
)

select
    current_month.*,
    previous_month.pending as previous_pending
from pivoted as current_month
left join pivoted as previous_month
    on previous_month.unit_code = current_month.unit_code
    and previous_month.period = current_month.period - interval 1 month

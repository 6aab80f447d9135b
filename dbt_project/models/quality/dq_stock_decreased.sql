-- stock_decreased (warn): a stock that only grows is lower than the month before.
-- accounts_total never goes down; accounts_transacting counts accounts with a transaction
-- in the year, so it restarts each January (measures.resets_yearly) and is compared
-- within one year only. M-1 must itself be reported (no comparison with an older month).
with monthly as (
    select unit_code, period, measure_code, value from {{ ref('fct_measure_monthly') }}
),

stocks as (
    select measure_code, measure_name, resets_yearly
    from {{ ref('measures') }}
    where measure_code in ('accounts_total', 'accounts_transacting')
)

select
    {{ dq_issue_columns(
        'current_month.value', 'previous_month.value', measure='current_month.measure_code',
        unit='current_month.unit_code', period='current_month.period'
    ) }},
    stocks.measure_name || ' cuối tháng ' || {{ format_time("current_month.period", '%-m/%Y') }}
        || ' (' || {{ vi_number('current_month.value') }} || ') thấp hơn cuối tháng '
        || {{ format_time("previous_month.period", '%-m/%Y') }} || ' ('
        || {{ vi_number('previous_month.value') }} || '), trong khi số này '
        || case when stocks.resets_yearly then 'không thể giảm trong cùng một năm.' else 'không thể giảm.' end
        as message
from monthly as current_month
inner join stocks on stocks.measure_code = current_month.measure_code
inner join monthly as previous_month
    on previous_month.unit_code = current_month.unit_code
    and previous_month.measure_code = current_month.measure_code
    and previous_month.period = current_month.period - interval 1 month
where current_month.value < previous_month.value
    and not (stocks.resets_yearly and month(current_month.period) = 1)

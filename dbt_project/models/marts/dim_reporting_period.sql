-- Every reporting month with its submission deadline (CONTRACT §3, §6): the
-- programme's months 2022-01..2027-12 (vars programme_first_month/last_month, which
-- only unit tests change) and any month of the data or of a run's as-of outside them. The deadline rule lives in macros/submission_deadline.sql; the
-- schedule and `dean5299 status` read this table from the published warehouse.
with deadline as (
    select try_cast(setting_value as integer) as deadline_day
    from {{ ref('stg_reference__settings') }}
    where setting_key = 'submission_deadline_day'
),

programme as (
    select {{ month_series(
        month_date("'" ~ var('programme_first_month', '2022-01') ~ "'"),
        month_date("'" ~ var('programme_last_month', '2027-12') ~ "'")
    ) }} as period
),

months as (
    select period from programme
    union
    select as_of as period from {{ ref('int_as_of_months') }}
)

select
    months.period,
    {{ submission_deadline('months.period', 'deadline.deadline_day') }} as submission_deadline_at,
    {{ submission_deadline_date('months.period', 'deadline.deadline_day') }} as submission_deadline_date
from months
left join deadline on true
order by months.period

-- Blocking: settings.csv gives a submission_deadline_day between 1 and 31 (a day the
-- next month lacks means its last day: macros/submission_deadline.sql).
select 1 as missing
where not exists (
    select 1 from {{ ref('stg_reference__settings') }}
    where setting_key = 'submission_deadline_day'
        and try_cast(setting_value as integer) between 1 and 31
)

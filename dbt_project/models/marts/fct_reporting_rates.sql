-- Reporting rates (CONTRACT §11): for every scope active in a month of
-- fct_submission_status (the root, every group, every reporting unit), the reporting
-- units of its subtree active that month (expected), how many submitted (received) and
-- how many submitted on time. The tree comes from int_unit_bridge (every node with its
-- subtree, self included, by month); a reporting unit's own row expects itself.
with status as (
    select * from {{ ref('fct_submission_status') }}
),

months as (
    select distinct period from status
),

bridge as (
    select bridge.*
    from {{ ref('int_unit_bridge') }} as bridge
    inner join months using (period)
),

scopes as (
    select distinct ancestor_code as unit_code, period from bridge
),

expected as (
    select ancestor_code as unit_code, period, descendant_code
    from bridge
    where descendant_is_active and not descendant_is_group
),

counted as (
    select
        scopes.unit_code,
        scopes.period,
        count(expected.descendant_code) as expected_reports,
        count(status.unit_code) filter (where status.status = 'submitted') as reports_received,
        count(status.unit_code) filter (
            where status.status = 'submitted' and not coalesce(status.is_late, false)
        ) as reports_on_time
    from scopes
    left join expected
        on expected.unit_code = scopes.unit_code
        and expected.period = scopes.period
    left join status
        on status.unit_code = expected.descendant_code
        and status.period = expected.period
    group by scopes.unit_code, scopes.period
)

select
    unit_code,
    period,
    expected_reports,
    reports_received,
    reports_on_time,
    case when expected_reports > 0 then 100.0::double * reports_received / expected_reports end
        as reporting_rate_pct,
    case when expected_reports > 0 then 100.0::double * reports_on_time / expected_reports end
        as on_time_rate_pct
from counted

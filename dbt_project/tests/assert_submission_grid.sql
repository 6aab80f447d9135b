-- Blocking: fct_submission_status holds exactly the grid CONTRACT §3, §9 and §10 ask for:
-- every non-root unit active in each month (from the first month in the data through the
-- later of the last month in the data and the latest as-of month a run asked for), except
-- the months it is a group (it has an active child then; a group does not report). Worked
-- out here from units.csv as staged (children's activity), not from int_unit_bridge or
-- int_as_of_months, which the model reads: 'missing' = a unit-month without its row,
-- 'unexpected' = a row outside the grid (an inactive unit, a group, a month outside).
with all_units as (
    select unit_code, parent_code, active_from, active_to, is_root
    from {{ ref('stg_reference__units') }}
),

bounds as (
    select
        min(versions.period) as first_month,
        greatest(max(versions.period), max(context.requested_as_of)) as last_month
    from {{ ref('int_report_versions_ranked') }} as versions
    cross join {{ ref('int_run_context') }} as context
),

months as (
    select {{ month_series('first_month', 'last_month') }} as period
    from bounds
    where first_month is not null
),

group_months as (
    -- a node with an active child is a group that month (a join: Spark cannot plan the
    -- correlated NOT EXISTS)
    select distinct children.parent_code as unit_code, months.period
    from all_units as children
    cross join months
    where children.parent_code is not null
        and months.period >= coalesce(children.active_from, months.period)
        and months.period <= coalesce(children.active_to, months.period)
),

expected as (
    select units.unit_code, months.period
    from all_units as units
    cross join months
    left join group_months
        on group_months.unit_code = units.unit_code
        and group_months.period = months.period
    where not units.is_root
        and months.period >= coalesce(units.active_from, months.period)
        and months.period <= coalesce(units.active_to, months.period)
        and group_months.unit_code is null
),

actual as (
    select unit_code, period from {{ ref('fct_submission_status') }}
)

select 'missing' as problem, * from (select * from expected except all select * from actual)
union all
select 'unexpected' as problem, * from (select * from actual except all select * from expected)

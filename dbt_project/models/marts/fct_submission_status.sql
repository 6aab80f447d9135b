-- One row per reporting unit active in a month (a leaf then: a node with an active
-- child is a group that month, CONTRACT §10, and reports nothing itself), from the first month in the data
-- through the later of the last month in the data and the latest as-of month a run
-- asked for (int_as_of_months). A closed month reads its official version (§9).
with winners as (
    select * from {{ ref('int_report_versions_ranked') }} where is_official
),

months as (
    select as_of as period from {{ ref('int_as_of_months') }}
),

deadline as (
    select setting_value::integer as deadline_day
    from {{ ref('stg_reference__settings') }}
    where setting_key = 'submission_deadline_day'
),

unit_months as (
    select units.unit_code, months.period
    from {{ ref('stg_reference__units') }} as units
    cross join months
    where not units.is_root
        and months.period >= coalesce(units.active_from, months.period)
        and months.period <= coalesce(units.active_to, months.period)
        and not exists (
            select 1 from {{ ref('int_unit_bridge') }} as bridge
            where bridge.ancestor_code = units.unit_code
                and bridge.descendant_code = units.unit_code
                and bridge.period = months.period
                and bridge.descendant_is_group
        )
)

select
    unit_months.unit_code,
    unit_months.period,
    case when winners.unit_code is null then 'missing' else 'submitted' end as status,
    winners.received_at,
    case
        when winners.unit_code is not null
            then winners.received_at > {{ submission_deadline('unit_months.period', 'deadline.deadline_day') }}
    end as is_late
from unit_months
cross join deadline
left join winners
    on winners.unit_code = unit_months.unit_code
    and winners.period = unit_months.period

-- Which (scope, as-of month, indicator, target window) rows the progress mart has:
-- the root gets every window of the indicator (set on the root or on any unit); a unit
-- active in the as-of month gets the windows set on the root or on itself.
with units as (
    select * from {{ ref('stg_reference__units') }}
),

months as (
    select * from {{ ref('int_as_of_months') }}
),

targets as (
    select distinct targets.indicator_code, targets.unit_code, targets.window_start, targets.window_end,
        units.is_root
    from {{ ref('stg_reference__targets') }} as targets
    inner join units using (unit_code)
),

root_rows as (
    select distinct
        units.unit_code,
        months.as_of,
        targets.indicator_code,
        targets.window_start,
        targets.window_end
    from units
    cross join months
    inner join targets on months.as_of between targets.window_start and targets.window_end
    where units.is_root
),

unit_rows as (
    select distinct
        units.unit_code,
        months.as_of,
        targets.indicator_code,
        targets.window_start,
        targets.window_end
    from units
    cross join months
    inner join targets
        on months.as_of between targets.window_start and targets.window_end
        and (targets.is_root or targets.unit_code = units.unit_code)
    where not units.is_root
        and months.as_of >= coalesce(units.active_from, months.as_of)
        and months.as_of <= coalesce(units.active_to, months.as_of)
)

select * from root_rows
union all
select * from unit_rows

-- Blocking: fct_indicator_progress has exactly the rows of CONTRACT §6 and §10 - every
-- node active in the as-of month (the root, each group, each unit) with the windows set
-- on the root, on itself, on any node of its subtree (int_unit_paths, the static tree;
-- activity read here from units.csv, not from int_unit_bridge) or, for a successor, on a
-- predecessor when the window contains effective_from, every as-of month of the
-- run inside each window - no row missing (a join that drops rows) and none too many (a
-- fan-out, a merged unit).
with units as (
    select * from {{ ref('stg_reference__units') }}
),

targets as (
    select distinct targets.indicator_code, targets.unit_code, targets.window_start, targets.window_end,
        units.is_root as set_on_root
    from {{ ref('stg_reference__targets') }} as targets
    inner join units using (unit_code)
),

months as (
    select * from {{ ref('int_as_of_months') }}
),

expected as (
    select distinct units.unit_code, months.as_of, targets.indicator_code, targets.window_start, targets.window_end
    from units
    cross join months
    inner join targets on months.as_of between targets.window_start and targets.window_end
    where months.as_of >= coalesce(units.active_from, months.as_of)
        and months.as_of <= coalesce(units.active_to, months.as_of)
        and (
            targets.set_on_root
            or exists (
                select 1 from {{ ref('int_unit_paths') }} as paths
                where paths.ancestor_code = units.unit_code and paths.descendant_code = targets.unit_code
            )
            or exists (  -- a successor: a predecessor's window that contains effective_from
                select 1 from {{ ref('stg_reference__unit_changes') }} as changes
                where changes.to_unit_code = units.unit_code
                    and changes.from_unit_code = targets.unit_code
                    and changes.effective_from between targets.window_start and targets.window_end
            )
        )
),

actual as (
    select unit_code, as_of, indicator_code, window_start, window_end
    from {{ ref('fct_indicator_progress') }}
),

missing as (
    select 'missing' as problem, * from (select * from expected except all select * from actual)
),

unexpected as (
    select 'unexpected' as problem, * from (select * from actual except all select * from expected)
)

select * from missing
union all
select * from unexpected

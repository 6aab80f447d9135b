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

-- The windows each node is to have, found by joins (not a filter over a cross join of
-- nodes x months x every target row, which grows with the square of the organisation).
windows_by_node as (
    -- set on the root: every node
    select units.unit_code, targets.indicator_code, targets.window_start, targets.window_end
    from units
    cross join (select * from targets where set_on_root) as targets
    union
    -- set on the node itself or on any node of its subtree
    select paths.ancestor_code as unit_code, targets.indicator_code, targets.window_start,
        targets.window_end
    from targets
    inner join {{ ref('int_unit_paths') }} as paths on paths.descendant_code = targets.unit_code
    union
    -- a successor: a predecessor's window that contains effective_from
    select changes.to_unit_code as unit_code, targets.indicator_code, targets.window_start,
        targets.window_end
    from targets
    inner join {{ ref('stg_reference__unit_changes') }} as changes
        on changes.from_unit_code = targets.unit_code
        and changes.effective_from between targets.window_start and targets.window_end
),

expected as (
    select distinct windows.unit_code, months.as_of, windows.indicator_code,
        windows.window_start, windows.window_end
    from windows_by_node as windows
    inner join units on units.unit_code = windows.unit_code
    inner join months on months.as_of between windows.window_start and windows.window_end
    where months.as_of >= coalesce(units.active_from, months.as_of)
        and months.as_of <= coalesce(units.active_to, months.as_of)
),

actual as (
    select unit_code, as_of, indicator_code, window_start, window_end, count(*) as copies
    from {{ ref('fct_indicator_progress') }}
    group by all
)

-- Each key once on each side: one join of the two row sets instead of EXCEPT ALL both
-- ways (four sorts of the whole mart). A key missing, or present more often than
-- expected (a fan-out, a merged unit), is a row here.
select
    case when actual.copies is null then 'missing' else 'unexpected' end as problem,
    coalesce(expected.unit_code, actual.unit_code) as unit_code,
    coalesce(expected.as_of, actual.as_of) as as_of,
    coalesce(expected.indicator_code, actual.indicator_code) as indicator_code,
    coalesce(expected.window_start, actual.window_start) as window_start,
    coalesce(expected.window_end, actual.window_end) as window_end,
    coalesce(actual.copies, 0) as copies
from expected
full outer join actual
    on actual.unit_code = expected.unit_code
    and actual.as_of = expected.as_of
    and actual.indicator_code = expected.indicator_code
    and actual.window_start = expected.window_start
    and actual.window_end = expected.window_end
where actual.copies is null
    or actual.copies > case when expected.unit_code is null then 0 else 1 end

-- targets_inconsistent (info): a node with a count target of its own for a window (the
-- root or any group, CONTRACT §8, §10) whose children's targets for the same indicator
-- and window - the §10 sum, int_child_targets_summed: each child's own target, else its
-- children's; children active in some month of the window - do not add up to it. Keyed
-- on that node and the window's first month (the root's row is the province's);
-- measure_code NULL (a target belongs to an indicator, not a measure). Rates and
-- population shares are not additive; a successor's share-derived target is no row of
-- targets.csv and never enters a sum.
with own_targets as (
    select targets.unit_code, targets.indicator_code, targets.window_start, targets.window_end,
        targets.target_value, units.is_root, units.unit_name
    from {{ ref('stg_reference__targets') }} as targets
    inner join {{ ref('stg_reference__units') }} as units using (unit_code)
    inner join {{ ref('indicators') }} as indicators using (indicator_code)
    where indicators.target_kind = 'count' and targets.target_value is not null
),

children as (
    select * from {{ ref('int_child_targets_summed') }}
)

select
    {{ dq_issue_columns(
        'children.target_value', 'own_targets.target_value', unit='own_targets.unit_code',
        period='own_targets.window_start'
    ) }},
    'Tổng chỉ tiêu ' || own_targets.indicator_code || ' giao cho ' || children.holders
        || ' đơn vị kỳ ' || {{ format_time("own_targets.window_start", '%-m/%Y') }} || '–'
        || {{ format_time("own_targets.window_end", '%-m/%Y') }} || ' ('
        || {{ vi_number('children.target_value') }} || ') khác chỉ tiêu '
        || case when own_targets.is_root then 'toàn tỉnh' else 'của ' || own_targets.unit_name end
        || ' (' || {{ vi_number('own_targets.target_value') }} || ').' as message,
    own_targets.indicator_code,
    own_targets.window_end
from own_targets
inner join children using (unit_code, indicator_code, window_start, window_end)
where children.target_value <> own_targets.target_value

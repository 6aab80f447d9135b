-- targets_inconsistent (info): for a count indicator and a target window with a target
-- on the root, the targets given to units for the same indicator and window do not add
-- up to it. Keyed on the root and the window's first month; measure_code NULL (a target
-- belongs to an indicator, not a measure). Rates and population shares are not additive.
with targets as (
    select targets.*, units.is_root
    from {{ ref('stg_reference__targets') }} as targets
    inner join {{ ref('stg_reference__units') }} as units using (unit_code)
    where targets.target_kind = 'count' and targets.target_value is not null
),

root_targets as (
    select unit_code, indicator_code, window_start, window_end, target_value
    from targets
    where is_root
),

unit_totals as (
    select indicator_code, window_start, window_end, sum(target_value) as target_total,
        count(*) as units_with_target
    from targets
    where not is_root
    group by all
)

select
    'targets_inconsistent' as rule_id,
    'info' as severity,
    root_targets.unit_code,
    root_targets.window_start as period,
    null::varchar as measure_code,
    unit_totals.target_total::double as observed_value,
    root_targets.target_value::double as limit_value,
    'Tổng chỉ tiêu ' || root_targets.indicator_code || ' giao cho ' || unit_totals.units_with_target
        || ' đơn vị kỳ ' || strftime(root_targets.window_start, '%-m/%Y') || '–'
        || strftime(root_targets.window_end, '%-m/%Y') || ' ('
        || {{ vi_number('unit_totals.target_total') }} || ') khác chỉ tiêu toàn tỉnh ('
        || {{ vi_number('root_targets.target_value') }} || ').' as message,
    root_targets.indicator_code,
    root_targets.window_end
from root_targets
inner join unit_totals using (indicator_code, window_start, window_end)
where unit_totals.target_total <> root_targets.target_value

-- Incremental by as-of month (int_as_of_months_rebuilt).
{{ config(
    materialized=dean5299.incremental_materialization(),
    incremental_strategy='append',
    pre_hook="{{ dean5299.delete_as_of_months() }}"
) }}
-- depends_on: {{ ref('int_as_of_months_rebuilt') }}, {{ ref('int_as_of_months') }}

with parts as (
    select
        scope_windows.*,
        indicators.target_kind,
        coalesce(numerator_values.value, 0) as numerator_value,
        coalesce(denominator_values.value, 0) as denominator_value
    from {{ ref('int_scope_windows_listed') }} as scope_windows
    inner join {{ ref('indicators') }} as indicators using (indicator_code)
    left join {{ ref('int_scope_measures_aggregated') }} as numerator_values
        on {{ same_window('numerator_values', 'scope_windows') }}
        and numerator_values.measure_code = indicators.numerator_measure
    left join {{ ref('int_scope_measures_aggregated') }} as denominator_values
        on {{ same_window('denominator_values', 'scope_windows') }}
        and denominator_values.measure_code = indicators.denominator_measure
    where {{ dean5299.as_of_months_to_build('scope_windows.as_of') }}
),

computed as (
    select
        {{ window_key('parts') }},
        parts.target_kind,
        (parts.numerator_value
            + case when parts.target_kind = 'count' then targets.baseline else 0 end)::double as numerator,
        case when parts.target_kind = 'rate' then parts.denominator_value::double end as denominator,
        targets.target_value::double as target_value
    from parts
    inner join {{ ref('int_targets_resolved') }} as targets
        on {{ same_window('targets', 'parts') }}
),

with_actuals as (
    select
        *,
        case
            when target_kind = 'rate' then 100.0 * numerator / nullif(denominator, 0)
            else numerator
        end as actual_value
    from computed
)

select
    {{ window_key() }},
    numerator,
    denominator,
    actual_value,
    target_value,
    100.0 * actual_value / nullif(target_value, 0) as achievement_pct
from with_actuals

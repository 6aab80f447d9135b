-- Companion of fct_indicator_progress (not in CONTRACT §6; added, see CHANGELOG): every
-- measure behind each progress row, e.g. CT8's pending stock beside its activations.
-- Incremental by as-of month (int_as_of_months_rebuilt).
{{ config(
    materialized=dean5299.incremental_materialization(),
    incremental_strategy='append',
    pre_hook="{{ dean5299.delete_as_of_months() }}"
) }}
-- depends_on: {{ ref('int_as_of_months_rebuilt') }}, {{ ref('int_as_of_months') }}
select
    {{ window_key('scope_windows') }},
    measures.measure_code,
    coalesce(measure_values.value, 0)::double as value,
    measure_values.last_period
from {{ ref('int_scope_windows_listed') }} as scope_windows
inner join {{ ref('measures') }} as measures using (indicator_code)
left join {{ ref('int_scope_measures_aggregated') }} as measure_values
    on {{ same_window('measure_values', 'scope_windows') }}
    and measure_values.measure_code = measures.measure_code
where {{ dean5299.as_of_months_to_build('scope_windows.as_of') }}

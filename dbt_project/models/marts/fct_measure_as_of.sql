-- Companion of fct_indicator_progress (not in CONTRACT §6; added, see CHANGELOG): every
-- measure behind each progress row, e.g. CT8's pending stock beside its activations.
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

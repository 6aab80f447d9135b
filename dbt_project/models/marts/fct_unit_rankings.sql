-- The units side by side (docs/reports.md "Per-unit ranking"): one row per reporting unit
-- (dim_unit level `unit`) and fct_indicator_progress row, so every as-of month, indicator
-- and target window, with the figures the report's unit tables show.
--
-- A unit that reported none of the indicator's measures in the window (every month's cell
-- left empty: the warehouse's 0 is not a result), or whose rate has no denominator, is not
-- ranked (rank NULL). The others are ranked by achievement_pct where they have a target
-- (their own, or the root's rate / population share turned into theirs), after them the
-- units without one by their figure (actual_value); equal scores share a rank and the next
-- rank skips (competition ranking: 1, 2, 2, 4).
-- Incremental by as-of month (int_as_of_months_rebuilt).
{{ config(
    materialized=dean5299.incremental_materialization(),
    incremental_strategy='append',
    pre_hook="{{ dean5299.delete_as_of_months() }}"
) }}
-- depends_on: {{ ref('int_as_of_months_rebuilt') }}, {{ ref('int_as_of_months') }}
with progress as (
    select progress.*
    from {{ ref('fct_indicator_progress') }} as progress
    inner join {{ ref('dim_unit') }} as units
        on units.unit_code = progress.unit_code
        and units.level = 'unit'
    where {{ dean5299.as_of_months_to_build('progress.as_of') }}
),

reported as (
    select {{ window_key() }}, bool_or(last_period is not null) as reported
    from {{ ref('fct_measure_as_of') }}
    where {{ dean5299.as_of_months_to_build('as_of') }}
    group by {{ window_key() }}
),

scored as (
    select
        progress.*,
        pace.status,
        coalesce(reported.reported, false) as reported,
        case
            when not coalesce(reported.reported, false) or progress.actual_value is null then null
            when progress.achievement_pct is not null then 'achievement_pct'
            else 'actual_value'
        end as ranked_by
    from progress
    inner join {{ ref('fct_indicator_pace') }} as pace
        on {{ same_window('pace', 'progress') }}
    left join reported
        on {{ same_window('reported', 'progress') }}
),

with_scores as (
    select
        *,
        case ranked_by
            when 'achievement_pct' then achievement_pct
            when 'actual_value' then actual_value
        end as score
    from scored
)

select
    {{ window_key() }},
    numerator,
    denominator,
    actual_value,
    target_value,
    achievement_pct,
    reported,
    ranked_by,
    score,
    case
        when ranked_by is not null then rank() over (
            partition by as_of, indicator_code, window_start, window_end, ranked_by is null
            order by ranked_by = 'achievement_pct' desc, score desc
        )
    end::integer as rank,
    count(ranked_by) over (
        partition by as_of, indicator_code, window_start, window_end
    )::integer as units_ranked,
    status
from with_scores

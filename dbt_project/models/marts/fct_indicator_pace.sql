-- On track or not (docs/reports.md, docs/arithmetic.md): one row per fct_indicator_progress
-- row, so every scope, as-of month, indicator and target window.
--
-- Pace applies to count-like kinds (count, and population_share whose target is a count of
-- citizens) with a non-zero target. A target T over a window of N months, with A achieved
-- (the numerator, baseline included) after E months (window start through the as-of month,
-- both included), needs ceil((T - A) / (N - E)) per remaining month: rounded up, so reaching
-- it reaches the target (the 1e-9 keeps 5500.0000000001 from becoming 5501); none once the
-- target is reached or no month is left. The current pace A / E reaches T by the window's
-- end exactly when A x N >= T x E ("on track": achievement at least the share of time
-- elapsed). Every row also gets the status the report colours it with, and the growth on
-- the end of the previous quarter that the article states for CT7 (CONTRACT §2): the same
-- scope, indicator and window as of the quarter's last month, where the window had begun.
-- Values stay exact (DOUBLE); the report rounds when it writes them.
-- Incremental by as-of month (int_as_of_months_rebuilt).
{{ config(
    materialized=dean5299.incremental_materialization(),
    incremental_strategy='append',
    pre_hook="{{ dean5299.delete_as_of_months() }}"
) }}
-- depends_on: {{ ref('int_as_of_months_rebuilt') }}, {{ ref('int_as_of_months') }}
with progress as (
    select
        progress.*,
        indicators.target_kind,
        cast({{ dbt.dateadd('month', -1, "date_trunc('quarter', progress.as_of)") }} as date)
            as previous_quarter_as_of
    from {{ ref('fct_indicator_progress') }} as progress
    inner join {{ ref('indicators') }} as indicators using (indicator_code)
    where {{ dean5299.as_of_months_to_build('progress.as_of') }}
),

quarter_before as (
    select
        progress.*,
        earlier.numerator as previous_quarter_numerator
    from progress
    left join {{ ref('fct_indicator_progress') }} as earlier
        on earlier.unit_code = progress.unit_code
        and earlier.indicator_code = progress.indicator_code
        and earlier.window_start = progress.window_start
        and earlier.window_end = progress.window_end
        and earlier.as_of = progress.previous_quarter_as_of
),

-- Below the expected level but at least this fraction of it: amber (behind), else red.
settings as (
    select 0.75::double as amber_fraction
),

months as (
    select
        *,
        ({{ dbt.datediff('window_start', 'window_end', 'month') }} + 1)::integer as months_total,
        ({{ dbt.datediff('window_start', 'as_of', 'month') }} + 1)::integer as months_elapsed,
        coalesce(
            target_kind in ('count', 'population_share')
            and target_value <> 0
            and as_of between window_start and window_end,
            false
        ) as pace_applies
    from quarter_before
),

paced as (
    select
        *,
        case when pace_applies then greatest(months_total - months_elapsed, 0) end
            as months_remaining,
        case when pace_applies then numerator >= target_value end as target_reached,
        case when pace_applies then numerator * months_total >= target_value * months_elapsed end
            as on_track,
        case when pace_applies then numerator / months_elapsed end as current_per_month,
        case when pace_applies then 100.0::double * months_elapsed / months_total end
            as time_share_pct
    from months
),

needed as (
    select
        *,
        case
            when pace_applies and not target_reached and months_remaining > 0
                then ceil((target_value - numerator) / months_remaining - 1e-9::double)::bigint
        end as needed_per_month,
        case when pace_applies and not target_reached then target_value - numerator end
            as shortfall
    from paced
)

select
    needed.unit_code,
    needed.as_of,
    needed.indicator_code,
    needed.window_start,
    needed.window_end,
    needed.months_total,
    needed.months_elapsed,
    needed.months_remaining,
    needed.target_reached,
    needed.needed_per_month,
    needed.current_per_month,
    needed.shortfall,
    needed.time_share_pct,
    needed.on_track,
    needed.previous_quarter_as_of,
    needed.previous_quarter_numerator,
    case
        when needed.previous_quarter_numerator <> 0
            then 100.0::double * (needed.numerator / needed.previous_quarter_numerator - 1)
    end as growth_on_previous_quarter_pct,
    case
        when needed.actual_value is null then 'no_data'
        when coalesce(needed.target_value, 0) = 0 then 'no_target'
        -- Rates against the target rate.
        when needed.target_kind = 'rate' then
            case
                when needed.actual_value >= needed.target_value then 'done'
                when needed.actual_value >= settings.amber_fraction * needed.target_value
                    then 'behind'
                else 'far_behind'
            end
        when not needed.pace_applies then 'no_target'
        -- Counts against the straight line from 0 at the window's start to the target.
        when needed.target_reached then 'done'
        when needed.on_track then 'on_track'
        when 100.0::double * needed.numerator / needed.target_value
            >= settings.amber_fraction * needed.time_share_pct then 'behind'
        else 'far_behind'
    end as status
from needed
cross join settings

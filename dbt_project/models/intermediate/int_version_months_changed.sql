-- The unit-months whose winning or official version (which file, its dates, its
-- standing) differs from what int_version_values held before this build, read before
-- int_version_values is rebuilt: a new file, a late resubmission, a closure or a
-- reopening changes one of these. official_changed: the official version itself changed,
-- so the values every mart reads did (int_as_of_months_rebuilt). A version's values
-- are fixed by its content and the reference, which a full build guards.
-- A full build (no previous table, --full-refresh, or an engine without incremental
-- models) lists every standing unit-month: everything is built anew.
{%- set previous = dean5299.previous_build_table('int_version_values') %}

{%- set official = 'unit_code, period, source_file, report_date, received_at, ingested_at' %}

-- depends_on: {{ ref('int_report_rows_classified') }}
with standing as (
    select unit_code, period, file_name as source_file, effective_report_date as report_date,
        received_at, ingested_at, is_winner, is_official
    from ({{ dean5299.standing_versions() }}) as versions
    {% if previous is not none %}
    -- Only versions with a loaded row, as int_version_values holds them: a version whose
    -- every value was rejected would otherwise differ in every build, and every build
    -- would recompute the as-of months from its month on.
    where exists (
        select 1 from {{ ref('int_report_rows_classified') }} as loaded
        where loaded.reason_code is null
            and loaded.sha256 = versions.sha256
            and loaded.unit_code = versions.unit_code
            and loaded.period = versions.period
    )
    {% endif %}
)

{% if previous is not none %}
, held as (
    select distinct unit_code, period, source_file, report_date, received_at, ingested_at,
        is_winner, is_official
    from {{ previous }}
),

differing as (
    (select * from standing except select * from held)
    union all
    (select * from held except select * from standing)
),

-- The official version alone (a resubmission of a closed month changes the winner, and
-- the official version's is_winner, not what is official).
official_differing as (
    (select {{ official }} from standing where is_official
     except select {{ official }} from held where is_official)
    union all
    (select {{ official }} from held where is_official
     except select {{ official }} from standing where is_official)
)

select
    changed.unit_code,
    changed.period,
    official.unit_code is not null as official_changed
from (select distinct unit_code, period from differing) as changed
left join (select distinct unit_code, period from official_differing) as official
    on official.unit_code = changed.unit_code and official.period = changed.period
{% else %}
select distinct unit_code, period, true as official_changed
from standing
{% endif %}

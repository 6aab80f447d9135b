-- The as-of months this build computes in the per-as-of models (int_scope_measures_
-- aggregated, fct_measure_as_of, fct_indicator_progress, fct_indicator_pace,
-- fct_unit_rankings; macros/incremental_scope.sql). They read official values, the
-- reference and the as-of months. Between two incremental builds the reference is the
-- same (else the build is full), so an as-of month's rows change only when an official
-- value of that month or an earlier one changed: the months from the earliest
-- official_changed unit-month (int_version_months_changed), and the months the previous
-- build did not hold (read before int_scope_measures_aggregated is rebuilt; a month that
-- had no rows there is listed again, and costs nothing). A new month's increment lists
-- one month, not 72. A full build lists every month; the data tests of those models
-- check these months (what an incremental build left alone was checked when written).
{%- set previous = dean5299.previous_build_table('int_scope_measures_aggregated') %}
-- depends_on: {{ ref('int_version_months_changed') }}

select as_of
from {{ ref('int_as_of_months') }}
{% if previous is not none %}
where as_of >= (
        select coalesce(min(period), date '9999-12-01')
        from {{ ref('int_version_months_changed') }}
        where official_changed
    )
    or as_of not in (select distinct as_of from {{ previous }})
{% endif %}

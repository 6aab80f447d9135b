{#- The SQL that differs between DuckDB and Spark, in one place (docs/engines.md).
    Models call these (or dbt's own cross-database macros: dbt.datediff, dbt.type_string,
    ...); each has a default__ (DuckDB) and a spark__ version, chosen by
    adapter.dispatch. Both engines keep instants (DuckDB TIMESTAMPTZ, Spark TIMESTAMP) and
    read their local date and time in the session's time zone, Asia/Ho_Chi_Minh
    (profiles.yml sets it on both targets). -#}

{#- The type of an instant (a point in time). -#}
{% macro type_instant() -%}
    {{ return(adapter.dispatch('type_instant', 'dean5299')()) }}
{%- endmacro %}
{% macro default__type_instant() -%}timestamptz{%- endmacro %}
{% macro spark__type_instant() -%}timestamp{%- endmacro %}

{#- An instant as the wall-clock time in Asia/Ho_Chi_Minh (a timestamp without zone). -#}
{% macro local_time(instant) -%}
    {{ return(adapter.dispatch('local_time', 'dean5299')(instant)) }}
{%- endmacro %}
{% macro default__local_time(instant) -%}
    timezone('Asia/Ho_Chi_Minh', {{ instant }})
{%- endmacro %}
{% macro spark__local_time(instant) -%}
    cast({{ instant }} as timestamp_ntz)
{%- endmacro %}

{#- A wall-clock time (or a date: its midnight) in Asia/Ho_Chi_Minh as an instant. -#}
{% macro local_instant(wall_clock) -%}
    {{ return(adapter.dispatch('local_instant', 'dean5299')(wall_clock)) }}
{%- endmacro %}
{% macro default__local_instant(wall_clock) -%}
    timezone('Asia/Ho_Chi_Minh', ({{ wall_clock }})::timestamp)
{%- endmacro %}
{% macro spark__local_instant(wall_clock) -%}
    cast(cast({{ wall_clock }} as timestamp_ntz) as timestamp)
{%- endmacro %}

{#- A date or timestamp as text, given a strftime format (DuckDB's); Spark gets the
    same format in its own pattern letters. Only the fields used here are translated. -#}
{% macro format_time(expression, strftime_format) -%}
    {{ return(adapter.dispatch('format_time', 'dean5299')(expression, strftime_format)) }}
{%- endmacro %}
{% macro default__format_time(expression, strftime_format) -%}
    strftime({{ expression }}, '{{ strftime_format }}')
{%- endmacro %}
{% macro spark__format_time(expression, strftime_format) -%}
    {%- set pattern = strftime_format
        | replace('%-d', 'd') | replace('%d', 'dd')
        | replace('%-m', 'M') | replace('%m', 'MM')
        | replace('%Y', 'yyyy') | replace('%H', 'HH') | replace('%M', 'mm') | replace('%S', 'ss') -%}
    {%- if '%' in pattern -%}
        {{ exceptions.raise_compiler_error("format_time: no Spark pattern for " ~ strftime_format) }}
    {%- endif -%}
    date_format({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{#- One row per month from `first_month` through `last_month` (DATEs, first of month):
    a select-list item that returns a set (use it alone in its SELECT). -#}
{% macro month_series(first_month, last_month) -%}
    {{ return(adapter.dispatch('month_series', 'dean5299')(first_month, last_month)) }}
{%- endmacro %}
{% macro default__month_series(first_month, last_month) -%}
    unnest(generate_series({{ first_month }}, {{ last_month }}, interval 1 month))::date
{%- endmacro %}
{% macro spark__month_series(first_month, last_month) -%}
    explode(sequence({{ first_month }}, {{ last_month }}, interval 1 month))
{%- endmacro %}

{#- The non-NULL values of a text expression (each once when `distinct`), sorted, joined
    by `separator`. -#}
{% macro string_agg_sorted(expression, separator, distinct=false) -%}
    {{ return(adapter.dispatch('string_agg_sorted', 'dean5299')(expression, separator, distinct)) }}
{%- endmacro %}
{% macro default__string_agg_sorted(expression, separator, distinct) -%}
    string_agg({{ 'distinct ' if distinct }}{{ expression }}, '{{ separator }}' order by {{ expression }})
{%- endmacro %}
{% macro spark__string_agg_sorted(expression, separator, distinct) -%}
    string_agg({{ 'distinct ' if distinct }}{{ expression }}, '{{ separator }}') within group (order by {{ expression }})
{%- endmacro %}

{#- Whether text matches a regular expression (write patterns without backslashes:
    Spark's string literals would eat them). -#}
{% macro regexp_matches(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_matches', 'dean5299')(expression, pattern)) }}
{%- endmacro %}
{% macro default__regexp_matches(expression, pattern) -%}
    regexp_matches({{ expression }}, '{{ pattern }}')
{%- endmacro %}
{% macro spark__regexp_matches(expression, pattern) -%}
    regexp_like({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{#- Every column of `relation_alias` but `columns` (DuckDB: * EXCLUDE, Spark: * EXCEPT). -#}
{% macro star_except(relation_alias, columns) -%}
    {{ return(adapter.dispatch('star_except', 'dean5299')(relation_alias, columns)) }}
{%- endmacro %}
{% macro default__star_except(relation_alias, columns) -%}
    {{ relation_alias ~ '.' if relation_alias }}* exclude ({{ columns | join(', ') }})
{%- endmacro %}
{% macro spark__star_except(relation_alias, columns) -%}
    {{ relation_alias ~ '.' if relation_alias }}* except ({{ columns | join(', ') }})
{%- endmacro %}

{#- For dq_outlier_vs_history: CTEs (comma-separated, for a WITH list) ending in one named
    `name`: every row of `source` (unit_code, measure_code, period, value) that has at
    least `min_history` earlier rows of its unit and measure, with the median, the
    median absolute deviation from it (mad) and the mean absolute deviation (mean_ad) of
    the values of its `max_history` most recent earlier rows. DuckDB: one window of the
    earlier values as a list per row (window operators sort out of core; the old
    self-join's grouped median() held ~12 values of every month at once: 3 GB at 10.000
    units x 72 months, docs/benchmarks.md); list_median is the median aggregate
    (interpolating between the middle two of an even count). Spark has no list median:
    the self-join form, the earlier rows numbered so the join is a range. -#}
{% macro history_median_mad(source, name, min_history, max_history) -%}
    {{ return(adapter.dispatch('history_median_mad', 'dean5299')(source, name, min_history, max_history)) }}
{%- endmacro %}
{% macro default__history_median_mad(source, name, min_history, max_history) -%}
{{ name }}_history as (
    select
        *,
        list(value) over (
            partition by unit_code, measure_code order by period
            rows between {{ max_history }} preceding and 1 preceding
        ) as history
    from {{ source }}
),

{{ name }}_centred as (
    select *, list_median(history) as history_median
    from {{ name }}_history
    where len(history) >= {{ min_history }}
),

{{ name }} as (
    select
        * exclude (history, deviations),
        list_median(deviations) as mad,
        list_avg(deviations) as mean_ad
    from (
        select *, list_transform(history, lambda x: abs(x - history_median)) as deviations
        from {{ name }}_centred
    )
)
{%- endmacro %}
{% macro spark__history_median_mad(source, name, min_history, max_history) -%}
{{ name }}_numbered as (
    select
        *,
        -- one integer per unit-measure series, its rows numbered by period
        dense_rank() over (order by unit_code, measure_code) as series,
        row_number() over (partition by unit_code, measure_code order by period) as month_number
    from {{ source }}
),

{{ name }}_history as (
    select
        given.series,
        given.month_number,
        earlier.value as history_value
    from {{ name }}_numbered as given
    inner join {{ name }}_numbered as earlier
        on earlier.series = given.series
        and earlier.month_number between given.month_number - {{ max_history }}
            and given.month_number - 1
),

{{ name }}_centre as (
    select series, month_number, median(history_value) as history_median
    from {{ name }}_history
    group by series, month_number
    having count(*) >= {{ min_history }}
),

{{ name }}_spread as (
    select
        centre.series, centre.month_number, centre.history_median,
        median(abs(history.history_value - centre.history_median)) as mad,
        avg(abs(history.history_value - centre.history_median)) as mean_ad
    from {{ name }}_centre as centre
    inner join {{ name }}_history as history using (series, month_number)
    group by centre.series, centre.month_number, centre.history_median
),

{{ name }} as (
    select
        numbered.unit_code, numbered.period, numbered.measure_code, numbered.value,
        spread.history_median, spread.mad, spread.mean_ad
    from {{ name }}_spread as spread
    inner join {{ name }}_numbered as numbered using (series, month_number)
)
{%- endmacro %}

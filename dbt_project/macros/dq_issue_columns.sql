{#- The columns every data-quality rule model (models/quality/dq_<rule_id>.sql) returns
    before its message, written once: the rule id (this_rule: the model's name; severity
    and the rule's text come from seeds/data_quality_rules.csv in fct_data_quality_issues),
    the unit, the month, the measure (NULL where a rule is about a whole report or a
    target) and the observed value beside its limit, both DOUBLE so the mart's union has
    one type. Arguments are SQL expressions. -#}
{% macro dq_issue_columns(observed, limit, measure=none, unit='unit_code', period='period') -%}
    {{ this_rule() }} as rule_id,
    {{ unit }} as unit_code,
    {{ period }} as period,
    {% if measure is none -%}
    cast(null as {{ dbt.type_string() }})
    {%- else -%}
    {{ measure }}
    {%- endif %} as measure_code,
    ({{ observed }})::double as observed_value,
    ({{ limit }})::double as limit_value
{%- endmacro %}

{#- The deadline day of settings.csv (CONTRACT §3), for the two submission rules. -#}
{% macro deadline_day_setting() -%}
    select setting_value::integer as deadline_day
    from {{ ref('stg_reference__settings') }}
    where setting_key = 'submission_deadline_day'
{%- endmacro %}

{#- Each flow value that came with a `Lũy kế` (int_flow_values), beside the count and
    the sum of the same unit's reported months of that measure earlier in its year: what
    cumulative_mismatch (the year to date is earlier_sum + value) and
    monthly_equals_cumulative (a running total typed into the month) compare. -#}
{% macro flow_months_earlier_in_year() -%}
    select
        given.unit_code,
        given.period,
        given.measure_code,
        given.value,
        given.reported_cumulative,
        count(earlier.period) as earlier_months,
        coalesce(sum(earlier.value), 0) as earlier_sum
    from {{ ref('int_flow_values') }} as given
    left join {{ ref('int_flow_values') }} as earlier
        on earlier.unit_code = given.unit_code
        and earlier.measure_code = given.measure_code
        and earlier.period >= date_trunc('year', given.period)
        and earlier.period < given.period
    where given.reported_cumulative is not null
    group by all
{%- endmacro %}

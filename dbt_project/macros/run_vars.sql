{#- The run's as-of month as a DATE (first of month). -#}
{% macro as_of_date() -%}
    date '{{ var("as_of") }}-01'
{%- endmacro %}

{#- The moment the run happens (deadlines that have passed); orchestration passes it
    so that a run is reproducible, else now(). -#}
{% macro run_at() -%}
    {%- if var("run_at", "") -%} cast('{{ var("run_at") }}' as {{ dean5299.type_instant() }}) {%- else -%} now() {%- endif -%}
{%- endmacro %}

{#- submission_deadline(): macros/submission_deadline.sql -#}

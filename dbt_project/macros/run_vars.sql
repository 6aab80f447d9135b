{#- The run's as-of month as a DATE (first of month). -#}
{% macro as_of_date() -%}
    date '{{ var("as_of") }}-01'
{%- endmacro %}

{#- The moment the run happens (deadlines that have passed); orchestration passes it
    so that a run is reproducible, else now(). -#}
{% macro run_at() -%}
    {%- if var("run_at", "") -%} timestamptz '{{ var("run_at") }}' {%- else -%} now() {%- endif -%}
{%- endmacro %}

{#- End of the submission deadline for a reporting month: the end of day
    `submission_deadline_day` of the next month, Asia/Ho_Chi_Minh. -#}
{% macro submission_deadline(period_column, deadline_day_column) -%}
    timezone('Asia/Ho_Chi_Minh', ({{ period_column }} + interval 1 month + to_days({{ deadline_day_column }}))::timestamp)
{%- endmacro %}

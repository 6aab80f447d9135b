{#- 'YYYY-MM' text -> DATE on the first of the month (NULL when empty or malformed). -#}
{% macro month_date(text_column) -%}
    {{ return(adapter.dispatch('month_date', 'dean5299')(text_column)) }}
{%- endmacro %}
{% macro default__month_date(text_column) -%}
    try_strptime(nullif(trim({{ text_column }}), '') || '-01', '%Y-%m-%d')::date
{%- endmacro %}
{% macro spark__month_date(text_column) -%}
    try_to_date(concat(nullif(trim({{ text_column }}), ''), '-01'), 'yyyy-M-d')
{%- endmacro %}

{#- 'YYYY-MM' text -> DATE on the first of the month (NULL when empty or malformed). -#}
{% macro month_date(text_column) -%}
    try_strptime(nullif(trim({{ text_column }}), '') || '-01', '%Y-%m-%d')::date
{%- endmacro %}

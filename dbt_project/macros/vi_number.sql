{#- A whole number written the Vietnamese way (45.600) inside a message. -#}
{% macro vi_number(expression) -%}
    {{ return(adapter.dispatch('vi_number', 'dean5299')(expression)) }}
{%- endmacro %}
{% macro default__vi_number(expression) -%}
    replace(format('{:,}', ({{ expression }})::bigint), ',', '.')
{%- endmacro %}
{#- DuckDB's cast to BIGINT rounds; Spark's truncates, so round first. -#}
{% macro spark__vi_number(expression) -%}
    replace(format_number(cast(round({{ expression }}) as bigint), 0), ',', '.')
{%- endmacro %}

{#- A whole number written the Vietnamese way (45.600) inside a message. -#}
{% macro vi_number(expression) -%}
    replace(format('{:,}', ({{ expression }})::bigint), ',', '.')
{%- endmacro %}

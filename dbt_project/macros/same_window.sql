{#- A row of one unit's window (unit, as-of month, indicator, window start and end)
    joined to the same row of another relation: the key every progress model shares.
    as_of=false for the relations that hold no as-of month (a window's target). -#}
{% macro same_window(left, right, as_of=true) -%}
{%- set keys = ['unit_code', 'as_of', 'indicator_code', 'window_start', 'window_end'] if as_of
    else ['unit_code', 'indicator_code', 'window_start', 'window_end'] -%}
{%- for key in keys -%}
{{ '' if loop.first else ' and ' }}{{ left }}.{{ key }} = {{ right }}.{{ key }}
{%- endfor -%}
{%- endmacro %}

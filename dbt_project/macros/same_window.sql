{#- The key of a row of one unit's window: unit, as-of month, indicator, window start and
    end, the key every progress model shares. as_of=false for the relations that hold no
    as-of month (a window's target). -#}
{% macro window_key_columns(as_of=true) -%}
    {{ return(['unit_code', 'as_of', 'indicator_code', 'window_start', 'window_end'] if as_of
        else ['unit_code', 'indicator_code', 'window_start', 'window_end']) }}
{%- endmacro %}

{#- That key as a select or group-by list, each column taken from `relation` when one is
    named. -#}
{% macro window_key(relation=none, as_of=true) -%}
{%- for key in window_key_columns(as_of) -%}
{{ '' if loop.first else ', ' }}{{ relation ~ '.' if relation else '' }}{{ key }}
{%- endfor -%}
{%- endmacro %}

{#- A row of one unit's window joined to the same row of another relation. -#}
{% macro same_window(left, right, as_of=true) -%}
{%- for key in window_key_columns(as_of) -%}
{{ '' if loop.first else ' and ' }}{{ left }}.{{ key }} = {{ right }}.{{ key }}
{%- endfor -%}
{%- endmacro %}

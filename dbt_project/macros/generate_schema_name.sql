{#- Schemas are named exactly as configured (marts, staging, ...), not <target>_<name>:
    BI tools read `marts`, as the contract says. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}

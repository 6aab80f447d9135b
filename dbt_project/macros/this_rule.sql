{#- A data-quality rule's id is its model's name without `dq_` (models/quality/dq_<rule_id>.sql);
    its severity, Vietnamese name and what a unit should check live once, in
    seeds/data_quality_rules.csv, which fct_data_quality_issues joins. (In a dbt unit test
    `model` is the test, so unit tests do not assert rule_id.) -#}
{% macro this_rule() -%}
'{{ model.name | replace("dq_", "", 1) }}'
{%- endmacro %}

{#- Generic test: no value of the column is below 0 (NULLs are not_null's business). -#}
{% test not_negative(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < 0
{% endtest %}

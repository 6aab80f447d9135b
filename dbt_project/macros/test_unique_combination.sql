{#- Generic test: the combination of columns is unique (no dbt packages here: the
    package hub is not reachable from the build machines). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Generic test: the column is stored as a whole-number type (a double or a decimal
    slipping in would print 45.600,0 and break the sums' exactness). typeof() names the
    type on both engines (DuckDB 'BIGINT', Spark 'bigint'); one row per offending type. -#}
{% test integer_typed(model, column_name) %}
select distinct typeof({{ column_name }}) as column_type
from {{ model }}
where lower(typeof({{ column_name }})) not in ('tinyint', 'smallint', 'integer', 'int', 'bigint', 'hugeint')
{% endtest %}

{#- What the Spark target needs around a build (docs/engines.md); nothing on DuckDB,
    whose sources read the files in place (external_location) and whose build file is
    the warehouse itself. -#}

{#- on-run-start: every source table as a relation Spark can read, from its source's
    meta.spark_location: `parquet` sources are Parquet folders (<location>/<table>/),
    made views; `csv` sources are files (<location>/<table>.csv, header, all text), made
    external tables (dropping one never deletes its file). Recreated at every run, so
    they always read the current raw store and reference snapshot. -#}
{% macro register_sources() -%}
    {{ return(adapter.dispatch('register_sources', 'dean5299')()) }}
{%- endmacro %}

{% macro default__register_sources() -%}{%- endmacro %}

{% macro spark__register_sources() -%}
    {%- if execute -%}
    {%- for source in graph.sources.values() -%}
        {%- set meta = source.source_meta or {} -%}
        {%- set location = meta.get('spark_location') -%}
        {%- set format = meta.get('spark_format') -%}
        {%- if not location or format not in ('parquet', 'csv') -%}
            {{ exceptions.raise_compiler_error("source " ~ source.source_name ~ ": meta.spark_location and spark_format (parquet|csv) are needed on Spark") }}
        {%- endif -%}
        {%- set relation = source.schema ~ '.' ~ source.identifier -%}
        {%- do run_query('create schema if not exists ' ~ source.schema) -%}
        {%- if format == 'parquet' -%}
            {%- do run_query(
                'create or replace view ' ~ relation ~ ' as select * from parquet.`'
                ~ location ~ '/' ~ source.identifier ~ '`') -%}
        {%- else -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
            {%- do run_query(
                'create table ' ~ relation ~ " using csv options (path '"
                ~ location ~ '/' ~ source.identifier ~ ".csv', header 'true', "
                ~ "multiLine 'true', escape '\"', encoding 'UTF-8')") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- on-run-end: every model and seed this run built, as Parquet under
    DEAN5299_SPARK_EXPORT/<schema>/<name>/ (only those folders are overwritten).
    Orchestration loads them into the build's DuckDB file, so the checks, publication,
    the Parquet export of the marts and the reports read the same file on either engine
    (orchestration/spark_engine.py). -#}
{% macro export_built_relations(results) -%}
    {{ return(adapter.dispatch('export_built_relations', 'dean5299')(results)) }}
{%- endmacro %}

{% macro default__export_built_relations(results) -%}{%- endmacro %}

{% macro spark__export_built_relations(results) -%}
    {%- set folder = var('spark_export', env_var('DEAN5299_SPARK_EXPORT', '')) -%}
    {%- if execute and folder -%}
    {%- for result in results
        if result.node.resource_type in ('model', 'seed') and result.status == 'success' -%}
        {%- set node = result.node -%}
        {%- do run_query(
            "insert overwrite directory '" ~ folder ~ '/' ~ node.schema ~ '/' ~ node.alias
            ~ "' using parquet select * from " ~ node.schema ~ '.' ~ node.alias) -%}
    {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- Seeds on Spark: dbt-spark's own loader passes each value as a binding, which the
    session method formats with Python's %, so an empty cell arrives as the text 'None'.
    Values here are literals: NULL for an empty cell, text quoted (Spark escapes with a
    backslash). Found first in the root project, this replaces the adapter's macro. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    {%- set value = row[loop.index0] -%}
                    {%- if value is none -%}
                        cast(null as {{ type }})
                    {%- else -%}
                        cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
                    {%- endif -%}
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}

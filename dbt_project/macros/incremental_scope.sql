{#- Incremental builds (docs/benchmarks.md, "Incremental builds"). orchestration decides
    the mode: it starts from the published warehouse only when the reference snapshot
    (but closures.csv), the dbt project and the engine are the ones that built it, and
    the raw store still holds every batch it read; anything else is `--full-refresh`.
    Within an incremental build, a model rebuilds the keys (contents, unit-months) whose
    inputs differ from what the table holds: its pre-hook deletes them, its SQL selects
    them again, the `append` strategy inserts. Deleting first (rather than delete+insert
    on the new rows' keys) also removes a key that now has no rows at all.
    DuckDB only: on other engines these models stay tables (incremental_materialization). -#}

{#- is_incremental(), and false in a unit test (which has no `this` to look up). -#}
{% macro building_incrementally() -%}
    {{ return(this is not none and is_incremental()) }}
{%- endmacro %}

{% macro incremental_materialization() -%}
    {{ return('incremental' if target.type == 'duckdb' else 'table') }}
{%- endmacro %}

{#- The previous build's `identifier` (a table of this model's schema) that a build-delta
    model compares with, or none when this build is full: nothing published before, a
    --full-refresh, or an engine without incremental models. -#}
{% macro previous_build_table(identifier) -%}
    {%- if not execute or should_full_refresh() or incremental_materialization() != 'incremental' -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=this.database, schema=this.schema, identifier=identifier)) }}
{%- endmacro %}

{#- Contents (sha256) of int_report_rows_classified to classify again: a content read in a
    batch the table does not hold, a content whose counting copy (file name, time) changed
    since (CONTRACT §4: an earlier copy may arrive later), and a content with a row that
    was in the future when last classified (the run's moment only moves forward). -#}
{% macro classified_contents_to_rebuild(read_copies) -%}
    select sha256 from (
        select batch_id, sha256, file_name, file_mtime from {{ read_copies }}
        except
        select distinct batch_id, sha256, file_name, file_mtime from {{ this }}
    ) as added_or_moved
    union
    select sha256 from (
        select distinct batch_id, sha256, file_name, file_mtime from {{ this }}
        except
        select batch_id, sha256, file_name, file_mtime from {{ read_copies }}
    ) as moved_away
    union
    select sha256 from {{ this }} where reason_code = 'period_future'
{%- endmacro %}

{% macro classified_read_copies() -%}
    select read_batch_id as batch_id, sha256, file_name, file_mtime
    from {{ ref('int_inbox_copies_ranked') }}
    where copy_status = 'parsed'
{%- endmacro %}

{% macro delete_classified_contents() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where sha256 in (
        {{ dean5299.classified_contents_to_rebuild('(' ~ dean5299.classified_read_copies() ~ ')') }}
    )
    {%- endif -%}
{%- endmacro %}

{#- Unit-months of int_version_values to rebuild: int_version_months_changed, which
    compared the standing versions with what the table held before this build. -#}
{% macro delete_version_months() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as stale_target using {{ ref('int_version_months_changed') }} as stale
    where stale_target.unit_code = stale.unit_code and stale_target.period = stale.period
    {%- endif -%}
{%- endmacro %}

{% macro standing_versions() -%}
    select * from {{ ref('int_report_versions_ranked') }} where is_winner or is_official
{%- endmacro %}

{#- The per-as-of models rebuild the as-of months int_as_of_months_rebuilt lists (its
    comment says why that is enough) and drop the months no longer listed. -#}
{% macro delete_as_of_months() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where as_of in (select as_of from {{ ref('int_as_of_months_rebuilt') }})
        or as_of not in (select as_of from {{ ref('int_as_of_months') }})
    {%- endif -%}
{%- endmacro %}

{#- After the pre-hook's delete: the as-of months this build computes (every month in a
    full build). `column` is the as-of column of the relation being filtered. -#}
{% macro as_of_months_to_build(column) -%}
    {%- if dean5299.building_incrementally() -%}
    {{ column }} in (select as_of from {{ ref('int_as_of_months_rebuilt') }})
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- The official values' copies (int_measure_values_resolved, fct_measure_monthly) rebuild
    the unit-months whose official version changed (int_version_months_changed). -#}
{% macro delete_official_months() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as stale_target using (
        select unit_code, period from {{ ref('int_version_months_changed') }} where official_changed
    ) as stale
    where stale_target.unit_code = stale.unit_code and stale_target.period = stale.period
    {%- endif -%}
{%- endmacro %}

{% macro official_months_to_build() -%}
    {%- if dean5299.building_incrementally() -%}
    (unit_code, period) in (
        select unit_code, period from {{ ref('int_version_months_changed') }} where official_changed
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

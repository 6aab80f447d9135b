{#- Incremental builds (docs/benchmarks.md, "Incremental builds"). orchestration decides
    the mode: it starts from the published warehouse only when the reference snapshot
    (but closures.csv), the dbt project and the engine are the ones that built it, and
    the raw store still holds every batch it read; anything else is `--full-refresh`.
    Within an incremental build, a model rebuilds the keys (contents, unit-months) whose
    inputs differ from what the table holds: its pre-hook deletes them, its SQL selects
    them again, the `append` strategy inserts. Deleting first (rather than delete+insert
    on the new rows' keys) also removes a key that now has no rows at all.
    DuckDB only: on other engines these models stay tables (incremental_materialization). -#}

{% macro incremental_materialization() -%}
    {{ return('incremental' if target.type == 'duckdb' else 'table') }}
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

{#- Unit-months of int_version_values to rebuild: those whose winning or official version
    (which file, its dates, its standing) differs from what the table holds. A new file, a
    late resubmission, a closure or a reopening all change one of these; a version's
    values are fixed by its content and the reference, which a full build guards. -#}
{% macro version_months_to_rebuild(versions) -%}
    select unit_code, period from (
        select unit_code, period, file_name, effective_report_date, received_at, ingested_at,
            is_winner, is_official
        from {{ versions }}
        except
        select distinct unit_code, period, source_file, report_date, received_at, ingested_at,
            is_winner, is_official
        from {{ this }}
    ) as added_or_changed
    union
    select unit_code, period from (
        select distinct unit_code, period, source_file, report_date, received_at, ingested_at,
            is_winner, is_official
        from {{ this }}
        except
        select unit_code, period, file_name, effective_report_date, received_at, ingested_at,
            is_winner, is_official
        from {{ versions }}
    ) as gone
{%- endmacro %}

{% macro standing_versions() -%}
    select * from {{ ref('int_report_versions_ranked') }} where is_winner or is_official
{%- endmacro %}

{% macro delete_version_months() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as stale_target using (
        {{ dean5299.version_months_to_rebuild('(' ~ dean5299.standing_versions() ~ ')') }}
    ) as stale
    where stale_target.unit_code = stale.unit_code and stale_target.period = stale.period
    {%- endif -%}
{%- endmacro %}

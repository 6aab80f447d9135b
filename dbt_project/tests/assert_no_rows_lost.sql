-- Blocking: no row is lost between the raw store and the marts. Per content (sha256):
-- the committed raw rows of parsed files, read from staging (the raw store as it is, not
-- the intermediate models that classify it), equal the rows_read fct_file_ingestion
-- gives that content; each file's rows_read = rows_loaded + rows_rejected; and every
-- rejected row is listed in fct_rejected_rows.
with raw_rows as (
    select report_rows.sha256, count(*) as raw_rows
    from {{ ref('stg_raw__report_rows') }} as report_rows
    inner join {{ ref('stg_raw__inbox_files') }} as files using (batch_id, sha256)
    where files.parse_status = 'parsed'
    group by report_rows.sha256
),

read_rows as (
    select sha256, sum(rows_read) as rows_read
    from {{ ref('fct_file_ingestion') }}
    group by sha256
),

lost as (
    select 'rows_lost_from_raw_store' as problem, coalesce(raw_rows.sha256, read_rows.sha256) as sha256,
        coalesce(raw_rows.raw_rows, 0) as expected_rows, coalesce(read_rows.rows_read, 0) as found_rows
    from raw_rows
    full outer join read_rows on read_rows.sha256 = raw_rows.sha256
    where coalesce(raw_rows.raw_rows, 0) <> coalesce(read_rows.rows_read, 0)
),

unbalanced as (
    select 'read_not_loaded_plus_rejected' as problem, sha256,
        rows_read as expected_rows, rows_loaded + rows_rejected as found_rows
    from {{ ref('fct_file_ingestion') }}
    where rows_read <> rows_loaded + rows_rejected
),

unlisted as (
    select 'rejected_rows_not_listed' as problem, cast(null as {{ dbt.type_string() }}) as sha256,
        files.rows_rejected as expected_rows, listed.n as found_rows
    from (select coalesce(sum(rows_rejected), 0) as rows_rejected from {{ ref('fct_file_ingestion') }}) as files
    cross join (select count(*) as n from {{ ref('fct_rejected_rows') }}) as listed
    where files.rows_rejected <> listed.n
)

select * from lost
union all
select * from unbalanced
union all
select * from unlisted

-- Blocking: every committed raw row is counted once in fct_file_ingestion, each file's
-- rows_read = rows_loaded + rows_rejected, and every rejected row is listed.
with raw_rows as (
    select count(*) as n from {{ ref('int_report_rows_classified') }}
),

files as (
    select
        sum(rows_read) as rows_read,
        sum(rows_rejected) as rows_rejected,
        count(*) filter (where rows_read <> rows_loaded + rows_rejected) as unbalanced_files
    from {{ ref('fct_file_ingestion') }}
),

rejected as (
    select count(*) as n from {{ ref('fct_rejected_rows') }}
)

select *
from raw_rows, files, rejected
where raw_rows.n <> coalesce(files.rows_read, 0)
    or rejected.n <> coalesce(files.rows_rejected, 0)
    or files.unbalanced_files > 0

-- Every file observation once, and which copy of each content counts. Ingestion reads a
-- content once (the first copy it meets); CONTRACT §4 says the copy that counts is the
-- earliest by modification time, then path, even when a copy with an earlier time
-- arrives in a later run. The raw store keeps every observation, so it is decided here.
with observations as (
    select *
    from {{ ref('stg_raw__inbox_files') }}
    -- The same bytes seen again at the same path (a copy touched, say) count once.
    qualify row_number() over (partition by file_name, sha256 order by ingested_at, batch_id) = 1
),

read_contents as (
    -- How the content was read: parsed (rows in the raw store) or rejected whole.
    select sha256, batch_id as read_batch_id, parse_status as read_status, error_code, error_detail
    from observations
    where parse_status in ('parsed', 'rejected')
),

copies as (
    select
        {{ star_except('observations', ['error_code', 'error_detail']) }},
        read_contents.read_batch_id,
        read_contents.read_status,
        -- A skipped entry was never read: it keeps its own reason (symlink_loop, outside_inbox).
        case when observations.parse_status = 'skipped' then observations.error_code
            else read_contents.error_code end as error_code,
        case when observations.parse_status = 'skipped' then observations.error_detail
            else read_contents.error_detail end as error_detail,
        case when observations.parse_status <> 'skipped' then row_number() over (
            partition by observations.sha256, observations.parse_status = 'skipped'
            order by observations.file_mtime, observations.file_name
        )::bigint end as copy_rank
    from observations
    left join read_contents on read_contents.sha256 = observations.sha256
)

select
    *,
    -- When the pipeline first saw these bytes (any name, any folder): never changes,
    -- unlike a file's modification time, which a copy can keep (CONTRACT §9).
    min(ingested_at) over (partition by sha256) as content_ingested_at,
    case
        when parse_status = 'skipped' then 'skipped'
        when copy_rank = 1 and read_status is not null then read_status
        else 'duplicate'
    end as copy_status,
    case when copy_rank > 1 then first_value(file_name) over (
        partition by sha256, parse_status = 'skipped' order by file_mtime, file_name
    ) end as duplicate_of_copy
from copies

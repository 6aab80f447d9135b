-- A version is one file's report for one unit and month. The latest report date wins
-- (no report date: the file's modification date), ties go to the file modified last
-- (CONTRACT §4): that is the winner among all versions (`is_winner`).
-- A closed month (§9) keeps its official version: the winner among the versions
-- ingested at or before the close (`is_official`); for an open month the official
-- version is the winner. Every mart reads the official versions; later ones wait in
-- fct_pending_revisions until the month is closed again.
with identified_rows as (
    select *
    from {{ ref('int_report_rows_classified') }}
    where reason_code is null
        or reason_code not in (
            'unit_missing', 'unit_unknown', 'unit_inactive', 'period_missing', 'period_invalid',
            'period_future'
        )
),

first_seen as (
    select distinct sha256, content_ingested_at as ingested_at
    from {{ ref('int_inbox_copies_ranked') }}
),

versions as (
    select
        identified_rows.sha256,
        identified_rows.file_name,
        identified_rows.unit_code,
        identified_rows.period,
        max(identified_rows.report_date) as report_date,
        max(identified_rows.file_mtime) as received_at,
        max(first_seen.ingested_at) as ingested_at
    from identified_rows
    left join first_seen using (sha256)
    group by identified_rows.sha256, identified_rows.file_name, identified_rows.unit_code,
        identified_rows.period
),

closures as (
    select period, closed_at from {{ ref('int_period_closures') }}
),

ranked as (
    select
        versions.*,
        closures.closed_at,
        coalesce(versions.report_date, {{ local_time('versions.received_at') }}::date) as effective_report_date,
        closures.closed_at is null or versions.ingested_at <= closures.closed_at as counts_at_close,
        row_number() over (
            partition by versions.unit_code, versions.period
            order by
                coalesce(versions.report_date, {{ local_time('versions.received_at') }}::date) desc,
                versions.received_at desc,
                versions.file_name desc
        )::bigint as version_rank
    from versions
    left join closures on closures.period = versions.period
),

official_ranked as (
    select
        *,
        case when counts_at_close then row_number() over (
            partition by unit_code, period, counts_at_close
            order by effective_report_date desc, received_at desc, file_name desc
        ) end as official_rank
    from ranked
)

select
    {{ star_except(none, ['official_rank', 'counts_at_close']) }},
    version_rank = 1 as is_winner,
    coalesce(official_rank = 1, false) as is_official
from official_ranked

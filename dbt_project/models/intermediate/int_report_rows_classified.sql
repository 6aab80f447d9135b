-- Every committed row read from a parsed file, with the reason it cannot be loaded
-- (NULL = loaded). Reference checks live here, not in ingestion, because the data team
-- may correct units.csv after a file was read.
-- Incremental (macros/incremental_scope.sql): a build classifies again only the contents
-- that are new or whose counting copy changed; a changed units.csv forces a full build.
{{ config(
    materialized=dean5299.incremental_materialization(),
    incremental_strategy='append',
    pre_hook="{{ dean5299.delete_classified_contents() }}"
) }}

with read_copies as (
    -- The rows of a content were read once; they belong to the copy that counts.
    {{ dean5299.classified_read_copies() }}
),

{% if is_incremental() %}
contents_to_rebuild as (
    -- After the pre-hook's delete: exactly the contents it removed, and the new ones.
    {{ dean5299.classified_contents_to_rebuild('read_copies') }}
),
{% endif %}

report_rows as (
    select
        report_rows.batch_id, report_rows.sha256, read_copies.file_name, report_rows.sheet_name,
        report_rows.row_number, report_rows.location, report_rows.unit_code, report_rows.period,
        report_rows.period_raw, report_rows.period_error, report_rows.report_date,
        report_rows.measure_code, report_rows.raw_value, report_rows.value, report_rows.value_error,
        report_rows.raw_cumulative, report_rows.cumulative, read_copies.file_mtime
    from {{ ref('stg_raw__report_rows') }} as report_rows
    inner join read_copies using (batch_id, sha256)
    {% if is_incremental() %}
    where report_rows.sha256 in (select sha256 from contents_to_rebuild)
    {% endif %}
),

units as (
    select * from {{ ref('stg_reference__units') }}
),

measures as (
    select measure_code from {{ ref('measures') }}
),

-- A node with at least one child active in a report's month is a group for that month
-- (CONTRACT §10): it reports nothing itself, its figures are its subtree's.
group_months as (
    select distinct parents.unit_code, report_periods.period
    from (select distinct unit_code, period from report_rows where period is not null) as report_periods
    inner join units as parents on parents.unit_code = report_periods.unit_code
    inner join units as children
        on children.parent_code = parents.unit_code
        and report_periods.period >= coalesce(children.active_from, report_periods.period)
        and report_periods.period <= coalesce(children.active_to, report_periods.period)
),

checked as (
    select
        report_rows.*,
        case
            when report_rows.unit_code is null then 'unit_missing'
            when units.unit_code is null or units.is_root then 'unit_unknown'
            when report_rows.period_error is not null then report_rows.period_error
            -- A month that has not begun when the run happens is a typo (2042 for 2024).
            when report_rows.period > date_trunc('month', run.run_at)::date then 'period_future'
            when report_rows.period < units.active_from
                or report_rows.period > units.active_to then 'unit_inactive'
            when group_months.unit_code is not null then 'unit_not_leaf'
            when measures.measure_code is null then 'measure_unknown'
            when report_rows.value_error is not null then report_rows.value_error
        end as row_reason
    from report_rows
    cross join {{ ref('int_run_context') }} as run
    left join units on report_rows.unit_code = units.unit_code
    left join measures on report_rows.measure_code = measures.measure_code
    left join group_months
        on group_months.unit_code = report_rows.unit_code
        and group_months.period = report_rows.period
),

-- The same measure twice in one report: equal values load once, different values
-- reject both rows (an empty cell is "not reported" and conflicts with nothing).
conflicting_measures as (
    select sha256, unit_code, period, measure_code
    from checked
    where row_reason is null
    group by sha256, unit_code, period, measure_code
    having count(distinct value) > 1
)

select
    {{ star_except('checked', ['row_reason']) }},
    coalesce(
        checked.row_reason,
        case when conflicting_measures.sha256 is not null then 'measure_conflict' end
    ) as reason_code
from checked
left join conflicting_measures
    on checked.sha256 = conflicting_measures.sha256
    and checked.unit_code = conflicting_measures.unit_code
    and checked.period = conflicting_measures.period
    and checked.measure_code = conflicting_measures.measure_code

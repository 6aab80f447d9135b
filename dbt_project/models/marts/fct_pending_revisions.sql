-- Versions received after a month was closed that would change its figures (CONTRACT §9):
-- one row per measure of a closed unit-month where the winner among all versions IS
-- DISTINCT FROM the official value (NULL when nothing was ingested before the close).
-- They are shown, never applied, until the month is closed again after them.
with closed_unit_months as (
    -- the winner among all versions, where it is not the official one
    select unit_code, period, file_name, effective_report_date, ingested_at
    from {{ ref('int_report_versions_ranked') }}
    where closed_at is not null and is_winner and not is_official
),

official as (
    select * from {{ ref('int_version_values') }} where is_official
),

latest as (
    select * from {{ ref('int_version_values') }} where is_winner
),

measures as (
    select unit_code, period, measure_code from official
    union
    select unit_code, period, measure_code from latest
)

select
    closed_unit_months.unit_code,
    closed_unit_months.period,
    measures.measure_code,
    official.value as official_value,
    latest.value as revised_value,
    closed_unit_months.file_name as source_file,
    closed_unit_months.effective_report_date as report_date,
    closed_unit_months.ingested_at
from closed_unit_months
inner join measures using (unit_code, period)
left join official using (unit_code, period, measure_code)
left join latest using (unit_code, period, measure_code)
where official.value is distinct from latest.value

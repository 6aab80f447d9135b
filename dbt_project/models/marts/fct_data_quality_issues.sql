-- The CONTRACT §8 catalogue: every rule is its own model in models/quality/ (dq_<rule_id>),
-- this mart unions them and takes each rule's severity from the catalogue seed. The rules
-- only flag; none of them blocks publication.
{% set rule_models = [
    'dq_part_exceeds_whole',
    'dq_activations_exceed_pending',
    'dq_pending_unexplained',
    'dq_stock_decreased',
    'dq_outlier_vs_history',
    'dq_exceeds_population',
    'dq_cumulative_mismatch',
    'dq_targets_inconsistent',
    'dq_missing_submission',
    'dq_late_submission',
    'dq_revised_after_close',
    'dq_monthly_equals_cumulative',
    'dq_report_from_group',
    'dq_reorganisation_shares',
] %}
with flagged as (
    {% for rule_model in rule_models %}
    select rule_id, unit_code, period, measure_code, observed_value, limit_value, message
    from {{ ref(rule_model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

-- Each rule's severity is the catalogue's (seeds/data_quality_rules.csv), stated once; a
-- rule missing from it keeps its rows (NULL severity) and fails the blocking tests.
select flagged.rule_id, rules.severity, flagged.unit_code, flagged.period,
    flagged.measure_code, flagged.observed_value, flagged.limit_value, flagged.message
from flagged
left join {{ ref('data_quality_rules') }} as rules using (rule_id)

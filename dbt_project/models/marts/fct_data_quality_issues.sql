-- Every §8 rule is its own model in models/quality/ (dq_*); this mart unions them.
{% set rule_models = ['dq_part_exceeds_whole', 'dq_submission_timeliness'] %}
{% for rule_model in rule_models %}
select rule_id, severity, unit_code, period, measure_code, observed_value, limit_value, message
from {{ ref(rule_model) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}

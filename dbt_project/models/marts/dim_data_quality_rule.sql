-- The rule catalogue (CONTRACT §8) as BI, the reports and the receipts read it:
-- one row per rule_id, with its Vietnamese name and what a unit should check.
select
    rule_id,
    severity,
    name_vi,
    check_vi
from {{ ref('data_quality_rules') }}

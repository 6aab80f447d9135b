-- Every issue names a rule of the catalogue (dim_data_quality_rule) with the
-- catalogue's severity: a rule added to dbt without its row in
-- seeds/data_quality_rules.csv, or a severity changed in one place only, fails here.
select i.rule_id, i.severity, r.severity as catalogue_severity
from {{ ref('fct_data_quality_issues') }} as i
left join {{ ref('dim_data_quality_rule') }} as r using (rule_id)
where r.rule_id is null or r.severity <> i.severity

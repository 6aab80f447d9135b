-- Blocking: units.csv has exactly one root (the province, parent_code empty).
select count(*) as roots
from {{ ref('stg_reference__units') }}
where is_root
having count(*) <> 1

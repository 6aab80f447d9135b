-- The organisation's history for BI (CONTRACT §10): one row per successor and
-- predecessor from unit_changes.csv, with the month the change takes effect and the part
-- of the predecessor (its people, its workload) that goes to the successor. A merge is
-- several rows for one unit_code with share 1 each; a split, one predecessor_code on
-- several rows. The reader (ingestion/reference_files.py) has checked both units exist,
-- the predecessor ended the month before effective_from and the successor is active then.
select
    to_unit_code as unit_code,
    from_unit_code as predecessor_code,
    effective_from,
    share
from {{ ref('stg_reference__unit_changes') }}

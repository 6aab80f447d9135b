-- Every report rendered for the root (reports/publications.py appends them to the raw
-- store, so they outlive any warehouse rebuild). Empty placeholder files hold no rows.
select
    publication_id,
    as_of::date as as_of,
    published_at::{{ type_instant() }} as published_at,
    report_path,
    figures_sha256,
    previous_publication_id
from {{ source('raw', 'publications') }}

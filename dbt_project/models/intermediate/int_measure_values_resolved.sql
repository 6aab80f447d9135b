-- The official version's loaded value of each unit, month and measure: every mart
-- reads these (CONTRACT §9; for a month that is not closed, the winner of §4).
select {{ star_except(none, ['is_winner', 'is_official']) }}
from {{ ref('int_version_values') }}
where is_official

-- Blocking: achievement_pct = 100 x actual_value / target_value (CONTRACT §2), to a
-- relative 1e-9, and NULL exactly when there is no actual or no (non-zero) target.
select *
from {{ ref('fct_indicator_progress') }}
where case
    when actual_value is null or target_value is null or target_value = 0
        then achievement_pct is not null
    else achievement_pct is null
        or abs(achievement_pct - 100 * actual_value / target_value)
            > 1e-9 * greatest(1, abs(100 * actual_value / target_value))
end

-- Blocking: each row has the shape of its indicator's kind (CONTRACT §6). Count and
-- population_share: no denominator, actual = numerator. Rate: a denominator, actual =
-- 100 x numerator / denominator (NULL only over a zero denominator), so within 0..100
-- where the part is within the whole (above 100 only when a unit reported a part larger
-- than its whole: part_exceeds_whole flags that). Counts are never negative.
with progress as (
    select progress.*, indicators.target_kind
    from {{ ref('fct_indicator_progress') }} as progress
    inner join {{ ref('dim_indicator') }} as indicators using (indicator_code)
)

select *
from progress
where numerator < 0
    or case
        when target_kind = 'rate' then
            denominator is null
            or denominator < 0
            or (denominator > 0 and (
                actual_value is null
                or abs(actual_value - 100 * numerator / denominator) > 1e-9 * greatest(1, actual_value)
            ))
            or (denominator = 0 and actual_value is not null)
            or (numerator <= denominator and actual_value not between 0 and 100)
        else denominator is not null or actual_value is distinct from numerator
    end

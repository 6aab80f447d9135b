-- reorganisation_shares (info, CONTRACT §8, §10): a predecessor whose unit_changes.csv
-- rows have shares that do not add up to 1 (± 0,001): part of its people and workload
-- goes to no successor, or more than all of it is handed on, so successors' share-derived
-- targets do not add up to the predecessor's. Keyed on the predecessor and its
-- effective_from month (the reader makes every row of one predecessor start the month
-- after its active_to); a unit that simply ends, without rows, is not flagged.
-- observed_value = the shares' sum, limit_value = 1.
with totals as (
    select from_unit_code as unit_code, effective_from as period,
        sum(share) as share_total, count(*) as successors,
        {{ string_agg_sorted('to_unit_code', ', ') }} as successor_codes
    from {{ ref('stg_reference__unit_changes') }}
    group by all
)

select
    {{ dq_issue_columns('share_total', '1') }},
    'Tổng tỷ lệ chuyển giao của đơn vị ' || unit_code || ' cho ' || successors
        || ' đơn vị kế thừa (' || successor_codes || ') từ tháng ' || {{ format_time("period", '%-m/%Y') }}
        || ' là ' || replace(trim(trailing '.' from trim(trailing '0' from printf('%.3f', share_total))), '.', ',')
        || ', không bằng 1: chỉ tiêu chia theo tỷ lệ cho các đơn vị kế thừa không cộng lại '
        || 'bằng chỉ tiêu của đơn vị cũ.' as message
from totals
where abs(share_total - 1) > 0.001

{#- The nodes on the way down from a scope to a row's unit, for the §10 sums in which a row
    below a node that holds its own row is counted in that node's (CONTRACT §10). Joined to
    a relation that names both: `below_scope` is the path from the scope to each node under
    it on that way (int_unit_paths' columns of the node: descendant_code, its active
    months), the row's unit itself included; `to_row` is that node's path on down to the
    row's unit (depth_difference 0 at the row's unit, 1 or more for a node in between). -#}
{% macro path_down_to_row(scope_code, row_unit_code, paths='paths') -%}
    inner join {{ paths }} as below_scope
        on below_scope.ancestor_code = {{ scope_code }}
        and below_scope.depth_difference >= 1
    inner join {{ paths }} as to_row
        on to_row.ancestor_code = below_scope.descendant_code
        and to_row.descendant_code = {{ row_unit_code }}
{%- endmacro %}

{#
    Explicit column lists where DuckDB has a shorthand other engines lack
    (`union all by name`).
#}
{#- The columns of an existing relation, in its order, as a select list:
    `select {{ column_list(this) }} from new_rows union all select
    {{ column_list(this) }} from {{ this }}` unions by name. -#}
{% macro column_list(relation) -%}
    {#- unit tests replace `this` by a fixture (a name, not a relation):
        its columns are the model's, in the model's order -#}
    {%- if not execute or relation is string -%}
        {{ return('*') }}
    {%- endif -%}
    {%- set names = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do names.append(adapter.quote(column.name) if column.name != column.name | lower else column.name) -%}
    {%- endfor -%}
    {{ names | join(', ') }}
{%- endmacro %}

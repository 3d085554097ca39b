{#
    Explicit column lists where DuckDB has a shorthand other engines lack
    (`select * replace (...)`, `union all by name`).
#}
{#- The select list of a raw table's contract columns, in contract order,
    with some columns replaced by an expression (DuckDB's
    `select * replace (...)`, which other engines lack). -#}
{% macro raw_columns_replacing(table_name, replacements) -%}
    {%- set columns = [] -%}
    {%- for column in raw_contract()[table_name]['columns'] -%}
        {%- if column['name'] in replacements -%}
            {%- do columns.append(replacements[column['name']] ~ ' as ' ~ column['name']) -%}
        {%- else -%}
            {%- do columns.append(column['name']) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ columns | join(',\n        ') }}
{%- endmacro %}


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

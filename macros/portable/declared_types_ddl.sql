{#
    Where dbt writes DDL from a type declared in YAML, route it through
    `declared_type()` (types.sql), so `double` and `varchar` in seeds'
    column_types and in contracts work on engines that spell them otherwise.

    These override dbt's default implementations for PostgreSQL only
    (dbt_project.yml searches this project first in the `dbt` namespace);
    DuckDB keeps dbt's own. Each body is dbt 1.11's default with one change:
    the declared type passes through `declared_type()`.
#}

{#- Seeds: `create table` from column_types (dbt: default__create_csv_table). -#}
{% macro postgres__create_csv_table(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}

    {% set sql %}
        create table {{ this.render() }} (
            {%- for col_name in agate_table.column_names -%}
                {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                {%- set type = column_override.get(col_name, inferred_type) -%}
                {%- set column_name = (col_name | string) -%}
                {{ adapter.quote_seed_column(column_name, quote_seed_column) }} {{ tenant_kpis.declared_type(type) }}
                {%- if not loop.last -%}, {%- endif -%}
            {%- endfor -%}
        )
    {% endset %}

    {% call statement('_') -%}
        {{ sql }}
    {%- endcall %}

    {{ return(sql) }}
{% endmacro %}


{#- The columns of a model's YAML with their declared types spelled for this engine. -#}
{% macro columns_with_declared_types(columns) %}
    {%- set spelled = {} -%}
    {%- for name, column in columns.items() -%}
        {%- set copy = {} -%}
        {%- do copy.update(column) -%}
        {%- if column.get('data_type') -%}
            {%- do copy.update({'data_type': tenant_kpis.declared_type(column['data_type'])}) -%}
        {%- endif -%}
        {%- do spelled.update({name: copy}) -%}
    {%- endfor -%}
    {{ return(spelled) }}
{% endmacro %}


{#- Contracts: the column list of `create table` (dbt: table_columns_and_constraints). -#}
{% macro postgres__get_table_columns_and_constraints() -%}
    {%- set raw_column_constraints = adapter.render_raw_columns_constraints(
        raw_columns=tenant_kpis.columns_with_declared_types(model['columns'])
    ) -%}
    {%- set raw_model_constraints = adapter.render_raw_model_constraints(raw_constraints=model['constraints']) -%}
    (
    {% for c in raw_column_constraints -%}
        {{ c }}{{ "," if not loop.last or raw_model_constraints }}
    {% endfor %}
    {% for c in raw_model_constraints -%}
        {{ c }}{{ "," if not loop.last }}
    {% endfor -%}
    )
{%- endmacro %}


{#- Contracts: the typed empty query the model's columns are checked against
    (dbt: default__get_empty_schema_sql). -#}
{% macro postgres__get_empty_schema_sql(columns) %}
    {{ return(dbt.default__get_empty_schema_sql(tenant_kpis.columns_with_declared_types(columns))) }}
{% endmacro %}

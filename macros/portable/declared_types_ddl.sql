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
    {{ return(tenant_kpis.create_seed_table_with_declared_types(model, agate_table)) }}
{% endmacro %}


{#- The seed table of PostgreSQL and Spark: create table, the seed's columns
    with their declared types, then the engine's table options (Spark: its
    file format). -#}
{% macro create_seed_table_with_declared_types(model, agate_table, table_options='') %}
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
        {{ table_options }}
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


{#- Spark: the seed table from column_types spelled for Spark (dbt-spark:
    spark__create_csv_table, with `declared_type()`). -#}
{% macro spark__create_csv_table(model, agate_table) %}
    {{ return(tenant_kpis.create_seed_table_with_declared_types(model, agate_table, file_format_clause())) }}
{% endmacro %}


{#- Spark: the seed's rows as literals. dbt-spark substitutes its bindings
    into the SQL unescaped, so a value holding an apostrophe ("the
    tenant's") breaks the insert; here each value is a Spark literal
    (backslash escapes, as Spark's parser reads them). -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {% set batch_size = get_batch_size() %}
    {% set column_override = model['config'].get('column_types', {}) %}
    {% set types = [] %}
    {% for col_name in agate_table.column_names %}
        {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
        {% do types.append(tenant_kpis.declared_type(column_override.get(col_name, inferred_type))) %}
    {% endfor %}
    {% set statements = [] %}
    {% for chunk in agate_table.rows | batch(batch_size) %}
        {% set sql %}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    cast({{ tenant_kpis.spark_literal(value) }} as {{ types[loop.index0] }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {% endset %}
        {% do adapter.add_query(sql, abridge_sql_log=True) %}
        {% if loop.index0 == 0 %}
            {% do statements.append(sql) %}
        {% endif %}
    {% endfor %}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}


{#- A seed value (None, bool, number, text, date) as a Spark SQL literal. -#}
{% macro spark_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true -%}
        true
    {%- elif value is sameas false -%}
        false
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}


{#- Spark: contracts' types spelled for Spark in the typed empty query the
    model's columns are checked against. -#}
{% macro spark__get_empty_schema_sql(columns) %}
    {{ return(dbt.default__get_empty_schema_sql(tenant_kpis.columns_with_declared_types(columns))) }}
{% endmacro %}

{#
    The warehouse's catalog of columns, for data tests that check the shape
    of what the project built (PII guard, naive timestamps): one row per
    column of every table and view of the target's database, as
    `table_schema, table_name, column_name, data_type`.

    DuckDB and PostgreSQL read `information_schema.columns`. Spark has no
    information schema: the macro lists the tables of each schema the
    project builds or reads with `show table extended` (one query per
    schema, as dbt-spark lists relations) when the test runs, and returns
    the columns as literal rows.
#}
{% macro catalog_columns() -%}
    {{ return(adapter.dispatch('catalog_columns', 'tenant_kpis')()) }}
{%- endmacro %}

{% macro default__catalog_columns() -%}
    select
        table_schema,
        table_name,
        column_name,
        data_type
    from information_schema.columns
    where table_catalog = '{{ target.database }}'
{%- endmacro %}

{% macro spark__catalog_columns() -%}
    {%- set rows = [] -%}
    {%- if execute -%}
        {#- ` |-- name: type (nullable = true)`, as dbt-spark parses it -#}
        {%- set column_line = modules.re.compile('^ \\|-- (.*): (.*) \\(nullable = (.*)\\b', modules.re.MULTILINE) -%}
        {#- the project's schemas only (a shared metastore holds other teams'),
            as the information schema is read for the target's database only -#}
        {%- set project_schemas = [] -%}
        {%- for node in (graph.nodes.values() | list) + (graph.sources.values() | list) -%}
            {%- if node.resource_type in ['model', 'seed', 'snapshot', 'source'] -%}
                {%- do project_schemas.append(node.schema | lower) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for schema_row in run_query('show schemas') if schema_row[0] | lower in project_schemas -%}
            {%- set schema = schema_row[0] -%}
            {%- for table_row in run_query('show table extended in `' ~ schema ~ '` like \'*\'') -%}
                {%- if not table_row[2] -%}
                    {%- for match in column_line.finditer(table_row[3] or '') -%}
                        {%- do rows.append([schema, table_row[1], match.group(1), match.group(2)]) -%}
                    {%- endfor -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    select
        table_schema,
        table_name,
        column_name,
        data_type
    from values
    {%- for row in rows %}
        ({% for value in row %}'{{ value | replace("'", "\\'") }}'{{ ', ' if not loop.last }}{% endfor %}){{ ',' if not loop.last }}
    {%- else %}
        (cast(null as string), cast(null as string), cast(null as string), cast(null as string))
    {%- endfor %}
        as catalog (table_schema, table_name, column_name, data_type)
    {%- if not rows %}
    where false
    {%- endif %}
{%- endmacro %}


{#
    True for a column type whose values a session time zone shifts: DuckDB's
    and PostgreSQL's `timestamp with time zone`. Spark has one timestamp type
    (`timestamp`, an instant rendered in the session time zone), so there a
    timestamp is shifted unless the session time zone is UTC, which the
    project's profile pins.
#}
{% macro is_time_zone_shifted_type(data_type) -%}
    {{ return(adapter.dispatch('is_time_zone_shifted_type', 'tenant_kpis')(data_type)) }}
{%- endmacro %}

{% macro default__is_time_zone_shifted_type(data_type) -%}
    lower({{ data_type }}) like '%with time zone%'
{%- endmacro %}

{% macro spark__is_time_zone_shifted_type(data_type) -%}
    (
        lower({{ data_type }}) in ('timestamp', 'timestamp_ltz')
        and current_timezone() not in ('UTC', 'Etc/UTC', 'Z', '+00:00')
    )
{%- endmacro %}

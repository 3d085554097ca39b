{#
    Type names, on every engine.

    In SQL, models write dbt's type macros (`{{ dbt.type_float() }}`,
    `{{ dbt.type_string() }}`, ...), so no engine meets a type name it lacks
    (PostgreSQL has no `double`, Spark no bare `varchar`). dbt_project.yml
    puts this project first in the `dbt` dispatch search order, so the two
    corrections below apply wherever dbt itself calls these macros:

    - `type_float()`: dbt's default is `float`, which DuckDB reads as a
      4-byte REAL; this project's numbers are 8-byte doubles everywhere.
      (PostgreSQL's `float` already is an 8-byte double precision.)
    - `type_string()`: `varchar` on DuckDB, so its compiled SQL reads as before.

    YAML cannot call macros, so seeds' `column_types` and contracts'
    `data_type` keep one spelling (`double`, `varchar`, `integer`, `bigint`,
    `boolean`, `date`, `timestamp`) and `declared_type()` turns it into the
    engine's when dbt writes DDL from it (see declared_types_ddl.sql).
#}

{% macro duckdb__type_float() -%}
    double
{%- endmacro %}

{% macro duckdb__type_string() -%}
    varchar
{%- endmacro %}


{#- Spark's `float` is 4 bytes too -#}
{% macro spark__type_float() -%}
    double
{%- endmacro %}


{#- A type name as declared in YAML (seed column_types, contract data_type),
    spelled for the current engine. -#}
{% macro declared_type(data_type) -%}
    {{ return(adapter.dispatch('declared_type', 'tenant_kpis')(data_type)) }}
{%- endmacro %}

{% macro default__declared_type(data_type) -%}
    {{ return(data_type) }}
{%- endmacro %}

{% macro postgres__declared_type(data_type) -%}
    {#- PostgreSQL's plain strings are `text` (what its string functions
        return), its 8-byte float is `double precision`. -#}
    {%- set spelled = {
        'double': 'double precision',
        'varchar': 'text',
        'string': 'text',
    } -%}
    {{ return(spelled.get(data_type | trim | lower, data_type)) }}
{%- endmacro %}

{% macro spark__declared_type(data_type) -%}
    {%- set spelled = {
        'varchar': 'string',
        'text': 'string',
        'integer': 'int',
    } -%}
    {{ return(spelled.get(data_type | trim | lower, data_type)) }}
{%- endmacro %}


{#- dbt.datediff is a bigint on every engine, as on DuckDB (dbt-postgres
    returns an integer for days and a double for months and years, dbt-spark
    an integer, which breaks contracts that declare bigint). -#}
{% macro postgres__datediff(first_date, second_date, datepart) -%}
    cast({{ dbt.postgres__datediff(first_date, second_date, datepart) }} as bigint)
{%- endmacro %}

{% macro spark__datediff(first_date, second_date, datepart) -%}
    cast({{ dbt.spark__datediff(first_date, second_date, datepart) }} as bigint)
{%- endmacro %}

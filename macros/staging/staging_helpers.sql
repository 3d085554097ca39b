{#
    Helpers for the base_ staging models: they turn one raw value (varchar
    from CSV, or a typed Parquet value) into a clean typed value. Each is
    null-safe and never raises: a value that does not parse becomes null and
    the base model decides whether that is a quarantine reason.
#}

{# A timestamp as naive UTC: Parquet timestamps (naive = UTC) and ISO-8601
   strings with or without an offset ('Z', '+02:00', '+0200'). The session
   TimeZone is UTC (profiles.yml), so timestamptz -> timestamp gives UTC.
   On PostgreSQL the conversion does not depend on the session time zone. #}
{% macro to_utc(column) -%}
    {{ return(adapter.dispatch('to_utc', 'tenant_kpis')(column)) }}
{%- endmacro %}

{% macro default__to_utc(column) -%}
    cast({{ column }} as timestamp)
{%- endmacro %}

{% macro duckdb__to_utc(column) -%}
    {#- epoch_us -> make_timestamp is the UTC wall clock without an ICU time
        zone conversion (3x faster than a cast on 10M rows). -#}
    make_timestamp(epoch_us(coalesce(
        try_cast({{ column }} as timestamptz),
        try_strptime(
            trim(cast({{ column }} as {{ dbt.type_string() }})),
            ['%Y-%m-%dT%H:%M%z', '%Y-%m-%d %H:%M%z']
        )
    )))
{%- endmacro %}


{% macro postgres__to_utc(column) -%}
    {#- The ISO-8601 forms DuckDB's cast accepts, checked and converted by
        the function iso_timestamp_to_utc (engine_functions.sql): a bad cast
        raises on PostgreSQL, and the conversion must not depend on the
        session time zone. -#}
    {{ engine_function('iso_timestamp_to_utc') }}(cast({{ column }} as text))
{%- endmacro %}


{% macro spark__to_utc(column) -%}
    {#- The ISO-8601 forms DuckDB's cast accepts (checked first: Spark's cast
        also takes '2024' or '2024-1-5'); Spark's cast wants a two-digit
        offset as +hh:mm. The session time zone is UTC (profiles.yml). -#}
    {%- set text_value = 'trim(cast(' ~ column ~ ' as string))' -%}
    (case
        when {{ text_value }} rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$'
            then cast(regexp_replace(
                {{ text_value }}, '([0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?[+-][0-9]{2})$', '$1:00'
            ) as timestamp)
    end)
{%- endmacro %}


{# A string with surrounding blanks removed; empty becomes null. #}
{% macro clean_string(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}


{# True when the raw value is null or only blanks. #}
{% macro is_blank(column) -%}
    ({{ column }} is null or trim(cast({{ column }} as {{ dbt.type_string() }})) = '')
{%- endmacro %}


{# True when the raw value is present but is not a timestamp. #}
{% macro is_unparseable_timestamp(column) -%}
    (not {{ is_blank(column) }} and {{ to_utc(column) }} is null)
{%- endmacro %}


{# A whole number as bigint, or null when the value is not one ('12.5' is
   not 12) or does not fit in 64 bits ('1e30'): never an error. Narrow it
   with to_plausible_integer, after its plausibility check. #}
{% macro to_integer(column) -%}
    {{ return(adapter.dispatch('to_integer', 'tenant_kpis')(column)) }}
{%- endmacro %}

{% macro default__to_integer(column) -%}
    cast({{ clean_string(column) }} as bigint)
{%- endmacro %}

{% macro duckdb__to_integer(column) -%}
    try_cast(case
        when try_cast({{ clean_string(column) }} as double) % 1 = 0
            then try_cast({{ clean_string(column) }} as double)
    end as bigint)
{%- endmacro %}

{% macro postgres__to_integer(column) -%}
    {#- A cast to bigint raises out of its range: checked first, on the
        same double DuckDB's try_cast rounds to. -#}
    {%- set number = tenant_kpis.to_double(column) -%}
    cast(case
        when {{ tenant_kpis.float_is_whole(number) }}
            and {{ number }} >= cast('-9223372036854775808' as double precision)
            and {{ number }} < cast('9223372036854775808' as double precision)
            then {{ number }}
    end as bigint)
{%- endmacro %}


{# A decimal number as double, or null when the value is not a number.
   Accepted, as DuckDB's try_cast: optional sign, digits with `_`
   separators, optional fraction and exponent, `inf`/`infinity`/`nan` in
   any case; out of range becomes +/-infinity. #}
{% macro to_double(column) -%}
    {{ return(adapter.dispatch('to_double', 'tenant_kpis')(column)) }}
{%- endmacro %}

{% macro default__to_double(column) -%}
    cast({{ clean_string(column) }} as double precision)
{%- endmacro %}

{% macro duckdb__to_double(column) -%}
    try_cast({{ clean_string(column) }} as double)
{%- endmacro %}

{% macro postgres__to_double(column) -%}
    {#- PostgreSQL raises on a bad cast: the text is checked against the
        grammar DuckDB accepts first. -#}
    {%- set text_value = clean_string(column) -%}
    {%- set digits = 'replace(' ~ text_value ~ ', \'_\', \'\')' -%}
    (case
        when {{ text_value }} ~* '^[+-]?(inf|infinity|nan)$'
            then cast({{ text_value }} as double precision)
        when {{ text_value }} ~ '^[+-]?([0-9]+(_[0-9]+)*(\.([0-9]+(_[0-9]+)*)?)?|\.[0-9]+(_[0-9]+)*)([eE][+-]?[0-9]+)?$'
            then case
                {#- numeric parses any magnitude; float8 would raise out of its range #}
                when abs(cast({{ digits }} as numeric)) >= 1.7976931348623157e308
                    then sign(cast({{ digits }} as numeric)) * cast('infinity' as double precision)
                when abs(cast({{ digits }} as numeric)) < 2.2250738585072014e-308
                    then cast(0 as double precision)
                else cast({{ digits }} as double precision)
            end
    end)
{%- endmacro %}

{% macro spark__to_double(column) -%}
    {#- Spark's cast also takes '1.5d' and '1__0': the text is checked
        against the grammar DuckDB accepts first. -#}
    {%- set text_value = clean_string(column) -%}
    (case
        when {{ text_value }} rlike '(?i)^[+-]?(inf|infinity|nan)$'
            or {{ text_value }} rlike '^[+-]?([0-9]+(_[0-9]+)*([.]([0-9]+(_[0-9]+)*)?)?|[.][0-9]+(_[0-9]+)*)([eE][+-]?[0-9]+)?$'
            then cast(replace({{ text_value }}, '_', '') as double)
    end)
{%- endmacro %}


{% macro spark__to_integer(column) -%}
    {%- set number = tenant_kpis.to_double(column) -%}
    cast(case
        when {{ tenant_kpis.float_is_whole(number) }}
            and {{ number }} >= -9223372036854775808D
            and {{ number }} < 9223372036854775808D
            then {{ number }}
    end as bigint)
{%- endmacro %}


{# JSON text of the whole raw row (a relation alias or struct column
   holding the row). The payload is kept for quarantined rows only. Keys in
   column order, values as JSON strings (raw columns are text on every
   engine, so the payload is the same text everywhere). #}
{% macro row_payload(struct_column) -%}
    {{ return(adapter.dispatch('row_payload', 'tenant_kpis')(struct_column)) }}
{%- endmacro %}

{% macro default__row_payload(struct_column) -%}
    {{ exceptions.raise_not_implemented('row_payload is not implemented for adapter ' ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__row_payload(struct_column) -%}
    cast(to_json({{ struct_column }}) as varchar)
{%- endmacro %}

{% macro postgres__row_payload(struct_column) -%}
    {#- a FROM alias is a whole-row value on PostgreSQL -#}
    cast(to_json({{ struct_column }}) as text)
{%- endmacro %}

{% macro spark__row_payload(struct_column) -%}
    {#- `alias.*` expands a FROM alias and a struct column alike; null
        fields are written, as on the other engines -#}
    to_json(struct({{ struct_column }}.*), map('ignoreNullFields', 'false'))
{%- endmacro %}


{# The whole current row of a FROM alias as one value (a struct), for
   row_payload() later in the model: the alias itself on DuckDB and
   PostgreSQL, a struct of its columns on Spark. `columns`: only these
   columns, in this order (DuckDB: a partitioned events delivery's rows
   without the partition's load_date, so that a payload and a missing-key
   hash are the same as from one file). #}
{% macro row_value(relation_alias, columns=none) -%}
    {{ return(adapter.dispatch('row_value', 'tenant_kpis')(relation_alias, columns)) }}
{%- endmacro %}

{% macro default__row_value(relation_alias, columns=none) -%}
    {%- if columns is not none -%}
        {% do exceptions.raise_compiler_error('row_value(columns=...) is implemented on DuckDB only') %}
    {%- endif -%}
    {{ relation_alias }}
{%- endmacro %}

{% macro duckdb__row_value(relation_alias, columns=none) -%}
    {%- if columns is none -%}
        {{ relation_alias }}
    {%- else -%}
        {
        {%- for column in columns -%}
            '{{ column }}': {{ relation_alias }}.{{ column }}{{ ', ' if not loop.last }}
        {%- endfor -%}
        }
    {%- endif -%}
{%- endmacro %}

{% macro spark__row_value(relation_alias, columns=none) -%}
    struct({{ relation_alias }}.*)
{%- endmacro %}

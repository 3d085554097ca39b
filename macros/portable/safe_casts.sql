{#
    Casts that never raise: a text value that is not of the type gives null,
    and the staging model decides whether that is a quarantine reason.
    DuckDB has `try_cast`; PostgreSQL raises on a bad cast, so its
    implementations check the text against the grammar DuckDB accepts first.
#}

{#- A text value as an 8-byte float, or null when it is not a number.
    Accepted (as DuckDB's try_cast): optional sign, digits with `_`
    separators, optional fraction and exponent, `inf`/`infinity`/`nan` in
    any case. Out of range becomes +/-infinity, as on DuckDB. -#}
{% macro safe_cast_float(text_value) -%}
    {{ return(adapter.dispatch('safe_cast_float', 'tenant_kpis')(text_value)) }}
{%- endmacro %}

{% macro duckdb__safe_cast_float(text_value) -%}
    try_cast({{ text_value }} as double)
{%- endmacro %}

{% macro postgres__safe_cast_float(text_value) -%}
    {%- set value = 'replace(trim(cast(' ~ text_value ~ ' as text)), \'_\', \'\')' -%}
    (case
        when trim(cast({{ text_value }} as text)) ~* '^[+-]?(inf|infinity|nan)$'
            then cast(trim(cast({{ text_value }} as text)) as double precision)
        when trim(cast({{ text_value }} as text)) ~ '^[+-]?([0-9]+(_[0-9]+)*(\.([0-9]+(_[0-9]+)*)?)?|\.[0-9]+(_[0-9]+)*)([eE][+-]?[0-9]+)?$'
            then case
                {# numeric parses any magnitude; float8 would raise out of its range #}
                when abs(cast({{ value }} as numeric)) >= 1.7976931348623157e308
                    then sign(cast({{ value }} as numeric)) * cast('infinity' as double precision)
                when abs(cast({{ value }} as numeric)) < 2.2250738585072014e-308
                    then cast(0 as double precision)
                else cast({{ value }} as double precision)
            end
    end)
{%- endmacro %}

{% macro spark__safe_cast_float(text_value) -%}
    try_cast(replace(trim(cast({{ text_value }} as string)), '_', '') as double)
{%- endmacro %}


{#- True when a float is a whole number (false for infinities and NaN). -#}
{% macro float_is_whole(value) -%}
    {{ return(adapter.dispatch('float_is_whole', 'tenant_kpis')(value)) }}
{%- endmacro %}

{% macro duckdb__float_is_whole(value) -%}
    ({{ value }} % 1 = 0)
{%- endmacro %}

{% macro default__float_is_whole(value) -%}
    ({{ tenant_kpis.is_finite(value) }} and {{ value }} = floor({{ value }}))
{%- endmacro %}


{#- A text value as a boolean, or null. Accepted (as DuckDB's try_cast), in
    any case: true/false, t/f, yes/no, y/n, 1/0. -#}
{% macro safe_cast_boolean(text_value) -%}
    {{ return(adapter.dispatch('safe_cast_boolean', 'tenant_kpis')(text_value)) }}
{%- endmacro %}

{% macro duckdb__safe_cast_boolean(text_value) -%}
    try_cast({{ text_value }} as boolean)
{%- endmacro %}

{% macro default__safe_cast_boolean(text_value) -%}
    (case
        when lower(cast({{ text_value }} as {{ dbt.type_string() }})) in ('true', 't', 'yes', 'y', '1') then true
        when lower(cast({{ text_value }} as {{ dbt.type_string() }})) in ('false', 'f', 'no', 'n', '0') then false
    end)
{%- endmacro %}


{#- False for +/-infinity and NaN (null stays null). -#}
{% macro is_finite(value) -%}
    {{ return(adapter.dispatch('is_finite', 'tenant_kpis')(value)) }}
{%- endmacro %}

{% macro duckdb__is_finite(value) -%}
    isfinite({{ value }})
{%- endmacro %}

{% macro postgres__is_finite(value) -%}
    ({{ value }} not in (
        cast('infinity' as double precision),
        cast('-infinity' as double precision),
        cast('nan' as double precision)
    ))
{%- endmacro %}

{% macro spark__is_finite(value) -%}
    (not isnan({{ value }}) and abs({{ value }}) != double('infinity'))
{%- endmacro %}


{#- True for NaN (null stays null). -#}
{% macro is_nan(value) -%}
    {{ return(adapter.dispatch('is_nan', 'tenant_kpis')(value)) }}
{%- endmacro %}

{% macro default__is_nan(value) -%}
    isnan({{ value }})
{%- endmacro %}

{% macro postgres__is_nan(value) -%}
    ({{ value }} = cast('nan' as double precision))
{%- endmacro %}

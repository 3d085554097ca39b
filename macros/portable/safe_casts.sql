{#
    Casts that never raise: a text value that is not of the type gives null,
    and the staging model decides whether that is a quarantine reason.
    DuckDB has `try_cast`; PostgreSQL raises on a bad cast, so its
    implementations check the text against the grammar DuckDB accepts first.
    (Numbers: to_integer and to_double, macros/staging/staging_helpers.sql.)
#}

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

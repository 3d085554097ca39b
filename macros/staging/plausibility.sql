{#
    Plausibility bounds of the raw contract (seed plausibility_bounds, one
    row per bounded column), for the base_ models. Each macro reads the seed
    through an import CTE of the same name in the model. A value outside its bounds is a
    quarantine reason (timestamp_out_of_range, invalid_value), never an
    error: the checks compare, they do not cast. A bound missing from the
    seed quarantines every value of its column rather than none (a seed test
    checks that every bounded column of raw_contract() has its row).
#}

{# One bound of one raw column, as a scalar subquery on the bounds seed's import CTE. #}
{% macro plausibility_bound(bounds, raw_table, column_name, bound) -%}
    (
        select {{ bounds }}.{{ bound }}
        from {{ bounds }}
        where
            {{ bounds }}.raw_table = '{{ raw_table }}'
            and {{ bounds }}.column_name = '{{ column_name }}'
    )
{%- endmacro %}


{#- The build time the latest valid timestamp is measured from: dbt's
    run_started_at (UTC), or var('plausibility_build_time') when set (unit
    tests, and re-running a past build exactly). -#}
{% macro plausibility_build_time() -%}
    {%- set build_time = var('plausibility_build_time', none) -%}
    {%- if build_time is none -%}
        {%- set started = run_started_at or modules.datetime.datetime.utcnow() -%}
        {%- set build_time = started.strftime('%Y-%m-%d %H:%M:%S') -%}
    {%- endif -%}
    cast('{{ build_time }}' as timestamp)
{%- endmacro %}


{# True when a parsed timestamp is before the earliest valid date or after
   the build time plus the allowed days; false when it is null. #}
{% macro is_implausible_timestamp(column, raw_table, column_name) -%}
    ({{ column }} is not null and not coalesce(
        {{ column }} >= cast({{ plausibility_bound('plausibility_bounds', raw_table, column_name, 'earliest_valid_date') }} as timestamp)
        and {{ column }} <= {{ dbt.dateadd(
            'day',
            plausibility_bound('plausibility_bounds', raw_table, column_name, 'latest_days_after_build'),
            plausibility_build_time()
        ) }},
        false
    ))
{%- endmacro %}


{# True when a parsed number is outside [min_value, max_value] (NaN and
   infinities included); false when it is null. #}
{% macro is_implausible_number(column, raw_table, column_name) -%}
    ({{ column }} is not null and not coalesce(
        {{ column }} between {{ plausibility_bound('plausibility_bounds', raw_table, column_name, 'min_value') }}
        and {{ plausibility_bound('plausibility_bounds', raw_table, column_name, 'max_value') }},
        false
    ))
{%- endmacro %}


{# A parsed whole number (bigint) narrowed to integer only once it is
   within its bounds (a seed test keeps integer bounds inside 32 bits), so
   the cast can never overflow; null when out of bounds. #}
{% macro to_plausible_integer(column, raw_table, column_name) -%}
    cast(case
        when not {{ is_implausible_number(column, raw_table, column_name) }} then {{ column }}
    end as integer)
{%- endmacro %}

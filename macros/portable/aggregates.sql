{#
    Aggregates an engine spells its own way. dbt's cross-database macros
    (dbt.bool_or, dbt.listagg, ...) cover the rest.
#}

{#- The value of the row with the largest `order_by` in the group. Rows
    whose value or order_by is null are ignored (as DuckDB's arg_max); ties
    must be broken by the caller's order_by, as the pick is otherwise
    engine-dependent. -#}
{% macro latest_by(value, order_by) -%}
    {{ return(adapter.dispatch('latest_by', 'tenant_kpis')(value, order_by)) }}
{%- endmacro %}

{% macro duckdb__latest_by(value, order_by) -%}
    arg_max({{ value }}, {{ order_by }})
{%- endmacro %}

{% macro postgres__latest_by(value, order_by) -%}
    (array_agg({{ value }} order by {{ order_by }} desc) filter (
        where {{ value }} is not null and {{ order_by }} is not null
    ))[1]
{%- endmacro %}

{% macro spark__latest_by(value, order_by) -%}
    max_by({{ value }}, {{ order_by }})
{%- endmacro %}


{#- The median, interpolated between the two middle values (as
    percentile_cont(0.5)); nulls are ignored. -#}
{% macro median(value) -%}
    {{ return(adapter.dispatch('median', 'tenant_kpis')(value)) }}
{%- endmacro %}

{% macro duckdb__median(value) -%}
    median({{ value }})
{%- endmacro %}

{% macro default__median(value) -%}
    percentile_cont(0.5) within group (order by {{ value }})
{%- endmacro %}

{% macro spark__median(value) -%}
    percentile({{ value }}, 0.5)
{%- endmacro %}

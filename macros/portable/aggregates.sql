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
    {#- max_by skips rows whose ordering is null, not those whose value is -#}
    max_by({{ value }}, case when {{ value }} is not null then {{ order_by }} end)
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


{#- dbt.listagg on Spark: dbt-spark ignores the order (a warning), so the
    text would depend on the order rows arrive in. Here the values are
    sorted by the order_by columns (ascending; ties by the value). Replaces
    dbt-spark's spark__listagg (dbt_project.yml searches this project first). -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error('listagg on Spark: limit_num is not supported') }}
    {%- endif -%}
    {%- if order_by_clause -%}
        {%- set order_columns = order_by_clause | trim | replace('order by', '', 1) | trim -%}
        {%- if ' desc' in order_columns | lower -%}
            {{ exceptions.raise_compiler_error('listagg on Spark: only ascending order is supported') }}
        {%- endif -%}
        array_join(transform(
            array_sort(collect_list(struct({{ order_columns }}, {{ measure }} as listagg_value))),
            sorted_value -> sorted_value.listagg_value
        ), {{ delimiter_text }})
    {%- else -%}
        array_join(array_sort(collect_list({{ measure }})), {{ delimiter_text }})
    {%- endif -%}
{%- endmacro %}

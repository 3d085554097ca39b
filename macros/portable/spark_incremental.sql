{#
    The `delete+insert` incremental strategy on Spark, for the incremental
    models (base_product__events, int_user_days_aggregated,
    int_user_weeks_aggregated).
    dbt-spark accepts append, merge (Delta, Iceberg or Hudi only),
    insert_overwrite and microbatch; these two models replace every stored
    row whose key the run recomputes (days are replaced whole, not merged
    row by row), which is delete+insert. On Parquet tables Spark cannot
    delete rows, so the table is rewritten: the stored rows whose key is
    not recomputed plus the new rows go to a work table, which then
    overwrites the model. Correct with any table format, at the cost of a
    rewrite of the table per run; on a cluster with Delta, `merge` or a
    `delete` + `insert` would avoid it (README "Spark").

    These replace dbt-spark's own macros of the same names (the root
    project's macros come first); every other strategy is handed to
    dbt-spark's implementation unchanged.
#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {% if raw_strategy == 'delete+insert' %}
        {% do return(raw_strategy) %}
    {% endif %}
    {% do return(dbt.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) %}
{% endmacro %}


{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
    {% if strategy != 'delete+insert' %}
        {% do return(dbt.dbt_spark_get_incremental_sql(
            strategy, source, target, existing, unique_key, incremental_predicates
        )) %}
    {% endif %}
    {% set keys = [unique_key] if unique_key is string else unique_key %}
    {% set work = api.Relation.create(
        schema=target.schema, identifier=target.identifier ~ '__dbt_replaced'
    ) %}
    {% set columns = adapter.get_columns_in_relation(target) | map(attribute='quoted') | join(', ') %}
    {% do run_query('drop table if exists ' ~ work) %}
    {% do run_query(
        'create table ' ~ work ~ ' using parquet as '
        ~ 'select ' ~ columns ~ ' from ' ~ target ~ ' as stored '
        ~ 'left anti join ' ~ source ~ ' as recomputed on '
        ~ tenant_kpis.spark_key_match(keys)
        ~ ' union all select ' ~ columns ~ ' from ' ~ source
    ) %}
    {% do return('insert overwrite table ' ~ target ~ ' select ' ~ columns ~ ' from ' ~ work) %}
{% endmacro %}


{#- stored.k = recomputed.k for each key column (a null key matches nothing,
    as in delete+insert's `where k in (...)`). -#}
{% macro spark_key_match(keys) -%}
    {%- for key in keys -%}
        stored.{{ key }} = recomputed.{{ key }}{{ ' and ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#
    The `delete+insert` incremental strategy on Spark, for the incremental
    models that replace rows by a key other than their period
    (base_product__events, base_product__event_partition_duplicates).
    dbt-spark accepts append, merge (Delta, Iceberg or Hudi only),
    insert_overwrite and microbatch; these models replace every stored row
    whose key the run recomputes, which is delete+insert. On Parquet tables
    Spark cannot delete rows, so the table is rewritten: the stored rows
    whose key is not recomputed plus the new rows go to a work table, which
    then overwrites the model. Correct with any table format, at the cost of
    a rewrite of the table per run; on a cluster with Delta, `merge` would
    avoid it (README "Spark"). The models that replace whole days or weeks
    do not come here: they are partitioned by their period
    (period_replacing_storage_config below).

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
    {% do run_statement('drop table if exists ' ~ work) %}
    {% do run_statement(
        'create table ' ~ work ~ ' using parquet as '
        ~ 'select ' ~ columns ~ ' from ' ~ target ~ ' as stored '
        ~ 'left anti join ' ~ source ~ ' as recomputed on '
        ~ tenant_kpis.stored_key_match('recomputed', keys)
        ~ ' union all select ' ~ columns ~ ' from ' ~ source
    ) %}
    {% do return('insert overwrite table ' ~ target ~ ' select ' ~ columns ~ ' from ' ~ work) %}
{% endmacro %}


{#
    How an incremental model that replaces whole periods (days or weeks) is
    stored, merged into period_replacing_incremental_config. DuckDB and
    PostgreSQL delete the recomputed periods in place (delete+insert).
#}
{% macro period_replacing_storage_config(period_column) %}
    {{ return(adapter.dispatch('period_replacing_storage_config', 'tenant_kpis')(period_column)) }}
{% endmacro %}

{% macro default__period_replacing_storage_config(period_column) %}
    {{ return({}) }}
{% endmacro %}

{#
    Spark: one Parquet partition per period, replaced by dynamic partition
    overwrite (dbt-spark's insert_overwrite with partition_by sets
    spark.sql.sources.partitionOverwriteMode=dynamic), so a weekly run
    rewrites the partitions of the periods it recomputes, not the table.
    The same rows as delete+insert on the period: the run's output holds
    every row of each period it recomputes, and a stored period the output
    has no row for is kept, as delete+insert keeps it (it deletes only the
    periods it inserts). Reading the model itself while overwriting it is
    allowed in dynamic mode: Spark writes to a staging directory and moves
    the partitions once the query is done. Spark stores the partition column
    last; models read these by column name, and a contract orders a mart.
#}
{% macro spark__period_replacing_storage_config(period_column) %}
    {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': [period_column]}) }}
{% endmacro %}


{#
    `create table <relation> as <sql>` for a side table (write_side_table):
    dbt's create_table_as, except on Spark, where dbt-spark's would take the
    partition_by of the model writing it (period_replacing_storage_config),
    a column the side table does not have.
#}
{% macro side_table_create_sql(relation, sql) %}
    {{ return(adapter.dispatch('side_table_create_sql', 'tenant_kpis')(relation, sql)) }}
{% endmacro %}

{% macro default__side_table_create_sql(relation, sql) %}
    {{ return(get_create_table_as_sql(false, relation, sql)) }}
{% endmacro %}

{% macro spark__side_table_create_sql(relation, sql) %}
    {{ return('create table ' ~ relation ~ ' using ' ~ config.get('file_format', 'parquet') ~ ' as ' ~ sql) }}
{% endmacro %}


{#
    Delete the rows of `relation` matching `condition` (a SQL boolean over
    its columns). Spark cannot delete from a Parquet table: the kept rows go
    to a work table that then overwrites it, as the delete+insert strategy
    above does.
#}
{% macro delete_rows_where(relation, condition) %}
    {% do adapter.dispatch('delete_rows_where', 'tenant_kpis')(relation, condition) %}
{% endmacro %}

{% macro default__delete_rows_where(relation, condition) %}
    {% do run_statement('delete from ' ~ relation ~ ' where ' ~ condition) %}
{% endmacro %}

{% macro spark__delete_rows_where(relation, condition) %}
    {% set work = api.Relation.create(schema=relation.schema, identifier=relation.identifier ~ '__dbt_kept') %}
    {% do run_statement('drop table if exists ' ~ work) %}
    {% do run_statement(
        'create table ' ~ work ~ ' using parquet as select * from ' ~ relation
        ~ ' where not coalesce(' ~ condition ~ ', false)'
    ) %}
    {% do run_statement('insert overwrite table ' ~ relation ~ ' select * from ' ~ work) %}
    {% do run_statement('drop table if exists ' ~ work) %}
{% endmacro %}

{#
    A side table: a small table `<model>_<suffix>` an incremental model keeps
    beside itself for what its own rows cannot hold (what its last run read,
    the seeds it read, the load window of its tests). Written by the model's
    hooks, replaced whole each time, and added to dbt's relation cache so the
    same build's tests and models find it. One home for the three kinds.
#}
{% macro write_side_table(suffix, sql) %}
    {% set relation = this.incorporate(path={'identifier': this.identifier ~ '_' ~ suffix}, type='table') %}
    {% do adapter.drop_relation(relation) %}
    {% do run_statement(side_table_create_sql(relation, sql)) %}
    {% do adapter.cache_added(relation) %}
{% endmacro %}


{# The model's side table `<model>_<suffix>`, or none when no run wrote it yet. #}
{% macro side_table(suffix) %}
    {{ return(adapter.get_relation(
        database=this.database, schema=this.schema, identifier=this.identifier ~ '_' ~ suffix
    )) }}
{% endmacro %}


{#
    The body of a CTE of what a model's last run read: the rows of side
    table `recorded` (side_table(...)), or, when no run recorded it yet, no
    rows, shaped as `now` (the CTE of what this run reads), so that every
    row of `now` counts as new and every week is recomputed.
#}
{% macro recorded_rows(recorded, now) %}
    {%- if recorded is none %}
        select * from {{ now }} where 1 = 0
    {%- else %}
        select * from {{ recorded }}
    {%- endif %}
{% endmacro %}

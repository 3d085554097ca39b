{#
    A statement whose result nobody reads (DDL). dbt's run_query fetches a
    result, and on a Spark Thrift server PyHive's fetch fails after a
    statement that returns no result set ('NoneType' object is not
    iterable: dbt-spark's thrift method, PyHive 0.7); the same statement
    without the fetch runs on every adapter.
#}
{% macro run_statement(sql) %}
    {% call statement('run_statement', fetch_result=false, auto_begin=false) %}
        {{ sql }}
    {% endcall %}
{% endmacro %}

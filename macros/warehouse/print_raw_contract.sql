{#
    `dbt run-operation print_raw_contract`: the raw contract as one line of
    JSON on stdout, so that Python tooling (`tenant-kpis load`, which fills a
    warehouse's `raw` schema) reads the very contract register_raw_sources
    applies, instead of a copy of it.
#}
{% macro print_raw_contract() %}
    {{ print(tojson(raw_contract())) }}
{% endmacro %}

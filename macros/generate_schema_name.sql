{#
    Use the folder's custom schema as is (staging, intermediate, seeds, ...)
    instead of dbt's default `<target schema>_<custom schema>`, so BI users
    and analysts see short, stable schema names. Public marts land in the
    target schema (`main` on DuckDB).
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

{#
    Text constructs an engine spells its own way.
#}

{#- 'YYYY-MM' of a date or timestamp (the onboarding cohort label). -#}
{% macro year_month(value) -%}
    {{ return(adapter.dispatch('year_month', 'tenant_kpis')(value)) }}
{%- endmacro %}

{% macro duckdb__year_month(value) -%}
    strftime({{ value }}, '%Y-%m')
{%- endmacro %}

{% macro postgres__year_month(value) -%}
    to_char({{ value }}, 'YYYY-MM')
{%- endmacro %}

{% macro spark__year_month(value) -%}
    date_format({{ value }}, 'yyyy-MM')
{%- endmacro %}


{#- FROM-clause fragment: one row per element of a delimited text column,
    e.g. `from kpi_catalog {{ split_to_rows('kpi_catalog.segment_types', '|',
    'segment_types', 'segment_type') }}`. -#}
{% macro split_to_rows(text_value, delimiter, alias, column) -%}
    {{ return(adapter.dispatch('split_to_rows', 'tenant_kpis')(text_value, delimiter, alias, column)) }}
{%- endmacro %}

{% macro duckdb__split_to_rows(text_value, delimiter, alias, column) -%}
    cross join unnest(string_split({{ text_value }}, '{{ delimiter }}')) as {{ alias }} ({{ column }})
{%- endmacro %}

{% macro postgres__split_to_rows(text_value, delimiter, alias, column) -%}
    cross join unnest(string_to_array({{ text_value }}, '{{ delimiter }}')) as {{ alias }} ({{ column }})
{%- endmacro %}

{% macro spark__split_to_rows(text_value, delimiter, alias, column) -%}
    lateral view explode(split({{ text_value }}, '\\{{ delimiter }}')) {{ alias }} as {{ column }}
{%- endmacro %}


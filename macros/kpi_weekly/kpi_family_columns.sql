{#
    The columns of one KPI family row, typed as fct_kpi_weekly declares them:
    the one home of the family models' shape (DEVELOPERS.md, "Every
    int_kpi_<family>_computed model has exactly the columns of
    fct_kpi_weekly"). The families, the union of them in fct_kpi_weekly and
    its final select all read this list, so a column added here reaches
    every one of them.
#}
{% macro kpi_family_column_types() -%}
    {{ return([
        {'name': 'week_start', 'type': 'date'},
        {'name': 'kpi_name', 'type': dbt.type_string()},
        {'name': 'segment_type', 'type': dbt.type_string()},
        {'name': 'segment_value', 'type': dbt.type_string()},
        {'name': 'value', 'type': dbt.type_float()},
        {'name': 'numerator', 'type': dbt.type_float()},
        {'name': 'denominator', 'type': dbt.type_float()},
        {'name': 'unit_count', 'type': 'integer'},
        {'name': 'interval_lower', 'type': dbt.type_float()},
        {'name': 'interval_upper', 'type': dbt.type_float()},
        {'name': 'interval_method', 'type': dbt.type_string()},
    ]) }}
{%- endmacro %}


{#
    The typed select of a family row. Each argument is the SQL expression of
    that column in the family's last CTE; the defaults are columns of the
    same name, so a family passes only what it computes there (the value
    formula, the interval bounds of its method).
#}
{% macro kpi_family_columns(
    value='value',
    numerator='numerator',
    denominator='denominator',
    unit_count='unit_count',
    interval_lower='interval_lower',
    interval_upper='interval_upper',
    interval_method='interval_method',
    segment_type='segment_type',
    segment_value='segment_value'
) -%}
    {%- set expressions = {
        'value': value,
        'numerator': numerator,
        'denominator': denominator,
        'unit_count': unit_count,
        'interval_lower': interval_lower,
        'interval_upper': interval_upper,
        'interval_method': interval_method,
        'segment_type': segment_type,
        'segment_value': segment_value,
    } -%}
    {%- for column in kpi_family_column_types() %}
        cast({{ expressions.get(column.name, column.name) }} as {{ column.type }}) as {{ column.name }}
        {{- ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{# The names alone, in order: a family row as it is, untyped. #}
{% macro kpi_family_column_names() -%}
    {{ kpi_family_column_types() | map(attribute='name') | join(',\n        ') }}
{%- endmacro %}

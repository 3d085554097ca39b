{#
    The columns of one KPI family row, typed as fct_kpi_weekly declares them:
    the one home of the family models' shape (DEVELOPERS.md, "Every
    int_kpi_<family>_computed model has exactly the columns of
    fct_kpi_weekly"). Each argument is the SQL expression of that column in
    the family's last CTE; the defaults are columns of the same name, so a
    family passes only what it computes there (the value formula, the
    interval bounds of its method).
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
    cast(week_start as date) as week_start,
    cast(kpi_name as {{ dbt.type_string() }}) as kpi_name,
    cast({{ segment_type }} as {{ dbt.type_string() }}) as segment_type,
    cast({{ segment_value }} as {{ dbt.type_string() }}) as segment_value,
    cast({{ value }} as {{ dbt.type_float() }}) as value,
    cast({{ numerator }} as {{ dbt.type_float() }}) as numerator,
    cast({{ denominator }} as {{ dbt.type_float() }}) as denominator,
    cast({{ unit_count }} as integer) as unit_count,
    cast({{ interval_lower }} as {{ dbt.type_float() }}) as interval_lower,
    cast({{ interval_upper }} as {{ dbt.type_float() }}) as interval_upper,
    cast({{ interval_method }} as {{ dbt.type_string() }}) as interval_method
{%- endmacro %}

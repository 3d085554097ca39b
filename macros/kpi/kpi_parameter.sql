{#
    Read one numeric parameter from the `kpi_parameters` seed as a scalar
    subquery, so changing the seed changes the KPI on the next build without
    touching SQL. Fails the build if the parameter is not in the seed.
#}
{% macro kpi_parameter(parameter_name) -%}
    (
        select cast(parameter_value as {{ dbt.type_float() }})
        from {{ ref('kpi_parameters') }}
        where parameter_name = '{{ parameter_name }}'
    )
{%- endmacro %}

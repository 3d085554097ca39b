{#
    One numeric row of a parameter seed as a scalar subquery, so changing the
    seed changes the result on the next build without touching SQL. A row the
    seed does not hold exactly once fails the query that reads it: the else
    branch casts a message naming the seed and the row to a number (lazily,
    only when the row is missing or repeated), on every engine, instead of
    returning null. The one home of `kpi_parameter` and `risk_model_setting`.
#}
{% macro seed_parameter(seed_name, name_column, value_column, parameter_name) -%}
    (
        select
            case
                when count(*) = 1 then max(cast({{ value_column }} as {{ dbt.type_float() }}))
                else cast(
                    '{{ seed_name }}({{ parameter_name }}): the seed has '
                    || cast(count(*) as {{ dbt.type_string() }})
                    || ' rows named {{ parameter_name }}, expected 1' as {{ dbt.type_float() }}
                )
            end
        from {{ ref(seed_name) }}
        where {{ name_column }} = '{{ parameter_name }}'
    )
{%- endmacro %}


{# A parameter of the KPI rules (seed kpi_parameters). #}
{% macro kpi_parameter(parameter_name) -%}
    {{ seed_parameter('kpi_parameters', 'parameter_name', 'parameter_value', parameter_name) }}
{%- endmacro %}

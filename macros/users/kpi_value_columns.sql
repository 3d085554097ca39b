{#
    The value / numerator / denominator columns of a KPI family, from a
    grouped query over unit rows with columns aggregation, unit_numerator,
    unit_denominator and unit_value:
      ratio   value = sum(unit_numerator) / sum(unit_denominator)
      points  value = 100 x sum(unit_numerator) / sum(unit_denominator) (NPS)
      median  value = median(unit_value), numerator null, denominator = count(unit_value)
    A zero denominator gives a null value.
#}
{% macro kpi_value_columns_from_units() -%}
    case
        when max(aggregation) = 'median'
            then percentile_cont(0.5) within group (order by unit_value)
        when max(aggregation) = 'points'
            then 100 * {{ divide_if_positive('sum(unit_numerator)', 'sum(unit_denominator)') }}
        else {{ divide_if_positive('sum(unit_numerator)', 'sum(unit_denominator)') }}
    end as value,
    case
        when max(aggregation) <> 'median' then cast(coalesce(sum(unit_numerator), 0) as {{ dbt.type_float() }})
    end as numerator,
    case
        when max(aggregation) = 'median' then cast(count(unit_value) as {{ dbt.type_float() }})
        else cast(coalesce(sum(unit_denominator), 0) as {{ dbt.type_float() }})
    end as denominator
{%- endmacro %}

{#
    The columns of one unit row, what kpi_value_columns_from_units reads
    back: a unit's (a user's) contribution to a KPI. `kpi` is one entry of
    a model's list of KPIs: kpi_name, aggregation (ratio, points or median),
    and the unit's SQL expressions: numerator and denominator for a ratio or
    points, value for a median; a missing one is null.
#}
{% macro kpi_unit_columns(kpi) -%}
    {%- if kpi.aggregation not in ['ratio', 'points', 'median'] -%}
        {{ exceptions.raise_compiler_error(
            "kpi_unit_columns: " ~ kpi.kpi_name ~ " has aggregation '" ~ kpi.aggregation
            ~ "' (ratio, points or median)"
        ) }}
    {%- endif -%}
    '{{ kpi.kpi_name }}' as kpi_name,
    '{{ kpi.aggregation }}' as aggregation,
    cast({{ kpi.get('numerator', 'null') }} as {{ dbt.type_float() }}) as unit_numerator,
    cast({{ kpi.get('denominator', 'null') }} as {{ dbt.type_float() }}) as unit_denominator,
    cast({{ kpi.get('value', 'null') }} as {{ dbt.type_float() }}) as unit_value
{%- endmacro %}

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

{#
    unit_count, interval_lower and interval_upper of a KPI row whose interval
    method is the value of column `method` (seed kpi_interval_methods): the
    one place a family that mixes methods picks each method's unit count and
    bounds. `relation` holds numerator, denominator, linearized_units and the
    linearized sums; `median_relation` (optional) the rows of
    median_order_statistic_interval joined to it. `lowest` / `highest` clamp
    the linearised ratio's interval to the KPI's range (SQL expressions).
#}
{% macro kpi_interval_columns(
    method, relation, median_relation=none, lowest='0.0', highest=none, z=none, confidence=none
) -%}
    case {{ method }}
        {%- if median_relation %}
        when 'median_order_statistic' then coalesce({{ median_relation }}.unit_count, 0)
        {%- endif %}
        when 'linearized_ratio_t' then {{ relation }}.linearized_units
        else cast({{ relation }}.denominator as integer)
    end as unit_count,
    {%- for side in ['lower', 'upper'] %}
    case {{ method }}
        when 'wilson'
            then {{ wilson_interval_bound(relation ~ '.numerator', relation ~ '.denominator', side, z) }}
        {%- if median_relation %}
        when 'median_order_statistic' then {{ median_relation }}.interval_{{ side }}
        {%- endif %}
        when 'linearized_ratio_t'
            then {{ linearized_ratio_interval_bound(
                [1, -1], side, relation=relation,
                lowest=lowest if side == 'lower' else none,
                highest=highest if side == 'upper' else none,
                z=z, confidence=confidence
            ) }}
    end as interval_{{ side }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

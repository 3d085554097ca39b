{#
    Interval of a ratio of sums R = sum(y) / sum(x) over n independent units
    (a mean is the case x = 1), by linearisation (the delta method, Cochran's
    ratio estimator variance):

        var(R) = n / (n - 1) * sum((y_i - R x_i)^2) / sum(x_i)^2
        bound  = R -/+ t(n - 1) * sqrt(var(R))

    with t the Student critical value of the seed's confidence. For a mean
    this is exactly the Student t interval (s / sqrt(n) standard error).
    sum((y - R x)^2) is expanded into sums a grouped (or grouping-sets)
    query can carry: sum(y^2) - 2 R sum(x y) + R^2 sum(x^2).

    linearized_ratio_sums(y, x): the aggregate columns, summed as exact
    decimals so that the bounds do not depend on the order threads add rows
    in. linearized_ratio_interval_bound(side): one bound from those columns
    (optionally clamped to the KPI's range); null below 2 units or without
    a positive sum(x).
#}
{% macro linearized_ratio_sums(numerator, denominator) -%}
    cast(count({{ denominator }}) as integer) as ratio_units,
    sum(cast({{ numerator }} as decimal(38, 10))) as ratio_sum_numerator,
    sum(cast({{ denominator }} as decimal(38, 10))) as ratio_sum_denominator,
    sum(cast({{ numerator }} as decimal(38, 10)) * cast({{ numerator }} as decimal(38, 10)))
        as ratio_sum_numerator_squared,
    sum(cast({{ numerator }} as decimal(38, 10)) * cast({{ denominator }} as decimal(38, 10)))
        as ratio_sum_cross_product,
    sum(cast({{ denominator }} as decimal(38, 10)) * cast({{ denominator }} as decimal(38, 10)))
        as ratio_sum_denominator_squared
{%- endmacro %}

{% macro linearized_ratio_interval_bound(side, relation=none, lowest=none, highest=none) -%}
    {%- if side not in ('lower', 'upper') -%}
        {{ exceptions.raise_compiler_error("linearized_ratio_interval_bound: side must be 'lower' or 'upper', got " ~ side) }}
    {%- endif -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- set n = 'cast(' ~ prefix ~ 'ratio_units as double)' -%}
    {%- set sy = 'cast(' ~ prefix ~ 'ratio_sum_numerator as double)' -%}
    {%- set sx = 'cast(' ~ prefix ~ 'ratio_sum_denominator as double)' -%}
    {%- set syy = 'cast(' ~ prefix ~ 'ratio_sum_numerator_squared as double)' -%}
    {%- set sxy = 'cast(' ~ prefix ~ 'ratio_sum_cross_product as double)' -%}
    {%- set sxx = 'cast(' ~ prefix ~ 'ratio_sum_denominator_squared as double)' -%}
    {%- set ratio = '(' ~ sy ~ ' / ' ~ sx ~ ')' -%}
    {%- set bound -%}
        {{ ratio }} {{ '-' if side == 'lower' else '+' }} {{ student_t_critical_value(n ~ ' - 1') }}
        * sqrt(
            greatest(0.0, {{ syy }} - 2.0 * {{ ratio }} * {{ sxy }} + {{ ratio }} * {{ ratio }} * {{ sxx }})
            * {{ n }} / ({{ n }} - 1.0)
        ) / {{ sx }}
    {%- endset -%}
    case
        when {{ n }} >= 2 and {{ sx }} > 0
            then
                {%- if side == 'lower' and lowest is not none %} greatest({{ lowest }}, {{ bound }})
                {%- elif side == 'upper' and highest is not none %} least({{ highest }}, {{ bound }})
                {%- else %} {{ bound }}
                {%- endif %}
    end
{%- endmacro %}

{#
    The two-sided critical value of Student's t with `degrees_of_freedom`
    for the seed's interval_confidence (t such that P(|T| <= t) = confidence).

    SQL engines have no t quantile function, so:
    - 1 degree of freedom: tan(pi * confidence / 2) (Cauchy, exact);
    - 2: confidence / sqrt((1 - confidence^2) / 2) (exact);
    - 3 or more: the Cornish-Fisher expansion of t in powers of 1/df around
      the normal quantile z (Abramowitz and Stegun 26.7.5, five terms),
      within 3e-4 (relative) of the exact value at 3 degrees of freedom,
      2e-5 from 5 and 3e-7 from 10 (tests/python/test_intervals.py checks it
      against scipy).
    Null for fewer than 1 degree of freedom.
#}
{% macro student_t_critical_value(degrees_of_freedom, z=none, confidence=none) -%}
    {%- set z = z if z is not none else kpi_parameter('interval_z') -%}
    {%- set confidence = confidence if confidence is not none else kpi_parameter('interval_confidence') -%}
    {%- set v = '(cast(' ~ degrees_of_freedom ~ ' as ' ~ dbt.type_float() ~ '))' -%}
    {%- set z2 = '(' ~ z ~ ' * ' ~ z ~ ')' -%}
    {%- if rendering_for_lint() -%}
    {{ z }}
    {%- else -%}
    case
        when {{ v }} >= 3
            then {{ z }} * (
                1.0
                + ({{ z2 }} + 1.0) / 4.0 / {{ v }}
                + ((5.0 * {{ z2 }} + 16.0) * {{ z2 }} + 3.0) / 96.0 / power({{ v }}, 2)
                + (((3.0 * {{ z2 }} + 19.0) * {{ z2 }} + 17.0) * {{ z2 }} - 15.0) / 384.0 / power({{ v }}, 3)
                + ((((79.0 * {{ z2 }} + 776.0) * {{ z2 }} + 1482.0) * {{ z2 }} - 1920.0) * {{ z2 }} - 945.0)
                / 92160.0 / power({{ v }}, 4)
                + (((((27.0 * {{ z2 }} + 339.0) * {{ z2 }} + 930.0) * {{ z2 }} - 1782.0) * {{ z2 }} - 765.0)
                * {{ z2 }} + 17955.0) / 368640.0 / power({{ v }}, 5)
            )
        when {{ v }} >= 2
            then {{ confidence }} / sqrt((1.0 - {{ confidence }} * {{ confidence }}) / 2.0)
        when {{ v }} >= 1
            then tan(3.141592653589793 * {{ confidence }} / 2.0)
    end
    {%- endif -%}
{%- endmacro %}

{#
    One bound of the Wilson score interval of a proportion successes / trials
    (no continuity correction):

        centre     = (s + z^2 / 2) / (n + z^2)
        half width = z / (n + z^2) * sqrt(s (n - s) / n + z^2 / 4)

    z is the seed's interval_z (1.96 for 95%). Null when there are no
    trials. Bounds are clamped to [0, 1] against rounding at s = 0 and s = n.
    side: 'lower' or 'upper'.
#}
{% macro wilson_interval_bound(successes, trials, side, z=none) -%}
    {%- set z = z if z is not none else kpi_parameter('interval_z') -%}
    {%- if side not in ('lower', 'upper') -%}
        {{ exceptions.raise_compiler_error("wilson_interval_bound: side must be 'lower' or 'upper', got " ~ side) }}
    {%- endif -%}
    case
        when ({{ trials }}) > 0
            then {{ 'greatest(0.0, ' if side == 'lower' else 'least(1.0, ' }}
                (cast({{ successes }} as {{ dbt.type_float() }}) + {{ z }} * {{ z }} / 2.0)
                / (cast({{ trials }} as {{ dbt.type_float() }}) + {{ z }} * {{ z }})
                {{ '-' if side == 'lower' else '+' }} {{ z }} / (cast({{ trials }} as {{ dbt.type_float() }}) + {{ z }} * {{ z }})
                * sqrt(
                    greatest(
                        0.0,
                        cast({{ successes }} as {{ dbt.type_float() }})
                        * (cast({{ trials }} as {{ dbt.type_float() }}) - cast({{ successes }} as {{ dbt.type_float() }}))
                        / cast({{ trials }} as {{ dbt.type_float() }})
                    )
                    + {{ z }} * {{ z }} / 4.0
                ))
    end
{%- endmacro %}

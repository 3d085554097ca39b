{#
    Statistics written once as SQL expressions, used by the pilot models and
    rendered as-is by tests/python/test_health_risk_pilots.py (plain Jinja,
    no dbt context), so the coverage test exercises the very SQL the mart
    runs. Arguments are column names or simple expressions.
#}

{# Standard normal CDF Phi(x): Hart's double-precision rational approximation
   as given by West (2005), "Better approximations to cumulative normal
   functions" (absolute error ~1e-14). Null in, null out. #}
{% macro standard_normal_cdf(x) -%}
    {%- if rendering_for_lint() -%}
    0.5
    {%- else -%}
    (case
        when ({{ x }}) is null then null
        when abs({{ x }}) > 37 then (case when ({{ x }}) > 0 then 1.0 else 0.0 end)
        else (
            case when ({{ x }}) > 0 then 1.0 else 0.0 end
            + (case when ({{ x }}) > 0 then -1.0 else 1.0 end)
            * (case
                when abs({{ x }}) < 7.07106781186547 then
                    exp(-abs({{ x }}) * abs({{ x }}) / 2.0)
                    * ((((((0.0352624965998911 * abs({{ x }}) + 0.700383064443688) * abs({{ x }})
                        + 6.37396220353165) * abs({{ x }}) + 33.912866078383) * abs({{ x }})
                        + 112.079291497871) * abs({{ x }}) + 221.213596169931) * abs({{ x }})
                        + 220.206867912376)
                    / (((((((0.0883883476483184 * abs({{ x }}) + 1.75566716318264) * abs({{ x }})
                        + 16.064177579207) * abs({{ x }}) + 86.7807322029461) * abs({{ x }})
                        + 296.564248779674) * abs({{ x }}) + 637.333633378831) * abs({{ x }})
                        + 793.826512519948) * abs({{ x }}) + 440.413735824752)
                else
                    exp(-abs({{ x }}) * abs({{ x }}) / 2.0)
                    / (abs({{ x }}) + 1.0 / (abs({{ x }}) + 2.0 / (abs({{ x }}) + 3.0
                        / (abs({{ x }}) + 4.0 / (abs({{ x }}) + 0.65)))))
                    / 2.506628274631
            end)
        )
    end)
{%- endif -%}
{%- endmacro %}


{# Select-list fragment: lift = p_treatment - p_control, its unpooled
   standard error, the 95% Newcombe hybrid score interval (Newcombe 1998,
   method 10: combines the two Wilson intervals; better coverage than Wald
   for small arms and rates near 0 or 1) and the two-sided p-value of the
   pooled two-proportion z-test (= Pearson chi-square without continuity
   correction). Every output is null when an arm is empty; the p-value is
   null when the pooled rate is 0 or 1 (no variation). #}
{% macro two_proportion_lift(x_treatment, n_treatment, x_control, n_control, z=1.959963984540054) -%}
    {%- set p_t = '(cast(' ~ x_treatment ~ ' as ' ~ dbt.type_float() ~ ') / nullif(' ~ n_treatment ~ ', 0))' -%}
    {%- set p_c = '(cast(' ~ x_control ~ ' as ' ~ dbt.type_float() ~ ') / nullif(' ~ n_control ~ ', 0))' -%}
    {%- set pooled = '(cast((' ~ x_treatment ~ ') + (' ~ x_control ~ ') as ' ~ dbt.type_float() ~ ') / nullif((' ~ n_treatment ~ ') + (' ~ n_control ~ '), 0))' -%}
    {%- set z_stat -%}
        (({{ p_t }} - {{ p_c }}) / nullif(sqrt({{ pooled }} * (1.0 - {{ pooled }})
            * (1.0 / nullif({{ n_treatment }}, 0) + 1.0 / nullif({{ n_control }}, 0))), 0))
    {%- endset -%}
    {{ p_t }} - {{ p_c }} as lift,
    sqrt({{ p_t }} * (1.0 - {{ p_t }}) / nullif({{ n_treatment }}, 0)
        + {{ p_c }} * (1.0 - {{ p_c }}) / nullif({{ n_control }}, 0)) as lift_standard_error,
    {{ p_t }} - {{ p_c }} - sqrt(
        power({{ p_t }} - {{ wilson_interval_bound(x_treatment, n_treatment, 'lower', z) }}, 2)
        + power({{ wilson_interval_bound(x_control, n_control, 'upper', z) }} - {{ p_c }}, 2)
    ) as lift_ci_lower,
    {{ p_t }} - {{ p_c }} + sqrt(
        power({{ wilson_interval_bound(x_treatment, n_treatment, 'upper', z) }} - {{ p_t }}, 2)
        + power({{ p_c }} - {{ wilson_interval_bound(x_control, n_control, 'lower', z) }}, 2)
    ) as lift_ci_upper,
    2.0 * (1.0 - {{ standard_normal_cdf('abs(' ~ z_stat ~ ')') }}) as p_value
{%- endmacro %}

{#
    The int_kpi_<family>_computed models that fct_kpi_weekly unions (and
    that the singular test assert_kpi_family_rows_land_on_grid checks).
    Adding a KPI family is one line here.
#}
{% macro kpi_family_models() -%}
    {{ return([
        'int_kpi_autonomy_adoption_computed',
        'int_kpi_autonomy_certification_computed',
        'int_kpi_autonomy_performance_computed',
        'int_kpi_autonomy_cost_computed',
        'int_kpi_autonomy_content_computed',
        'int_kpi_onboarding_computed',
        'int_kpi_engagement_computed',
        'int_kpi_health_computed',
    ]) }}
{%- endmacro %}

{#
    The columns that describe a user rather than its onboarding: the staged
    user, its tenant's segments and its signup dates, as int_users_lifecycle
    carries them and dim_users publishes them. One list, so an attribute
    added to the lifecycle reaches the dimension by one line (and its
    contract). The onboarding cohort is computed in int_users_lifecycle's
    final select and named beside this list in both.
#}
{% macro user_attribute_columns() -%}
    {{ [
        'user_id',
        'tenant_id',
        'persona',
        'created_at',
        'created_date',
        'deactivated_at',
        'industry',
        'plan_tier',
        'region',
        'signup_week_start',
        'signup_month_start',
    ] | join(',\n        ') }}
{%- endmacro %}

{#
    One row per tenant: onboarding milestones, the cohort flags behind the
    adoption and certification KPIs, and the contract outcomes, as of the
    build's as-of date.

    Flags follow the project's window rule (macro within_window): "within N
    days" means days(onboarded_at, event) <= N, so a certification issued
    before onboarding (negative days) is within any target; a flag is null
    until the tenant has been observed N days (as_of_date >= onboarded_date
    + N), even when the event already happened. The expansion flag and date
    come censored the same way from int_tenants_lifecycle.
#}

with

tenants as (
    select * from {{ ref('int_tenants_lifecycle') }}
),

industry_benchmarks as (
    select * from {{ ref('industry_benchmarks') }}
),

certification_targets as (
    {{ certification_targets('industry_benchmarks') }}
),

observed as (
    select
        tenants.*,
        certification_targets.certification_target_days,
        {{ dbt.datediff('tenants.onboarded_date', 'tenants.as_of_date', 'day') }} as days_observed  -- noqa: LT05
    from tenants
    left join certification_targets
        on tenants.industry = certification_targets.industry
),

final as (
    select
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(industry as {{ dbt.type_string() }}) as industry,
        cast(plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(onboarding_cohort as {{ dbt.type_string() }}) as onboarding_cohort,
        cast(seats_purchased as integer) as seats_purchased,
        cast(onboarded_at as timestamp) as onboarded_at,
        cast(as_of_date as date) as as_of_date,
        cast(days_observed as integer) as days_observed,
        cast(activation_users_required as integer) as activation_users_required,
        cast(activated_at as timestamp) as activated_at,
        cast(days_to_activation as integer) as days_to_activation,
        cast(
            {{ within_window('days_to_activation', kpi_parameter('adoption_window_days'), 'days_observed') }}
            as boolean
        ) as is_activated_within_90d,
        cast(certified_at as timestamp) as certified_at,
        cast(days_to_certification as integer) as days_to_certification,
        cast(certification_target_days as integer) as certification_target_days,
        cast(
            {{ within_window('days_to_certification', 'certification_target_days', 'days_observed') }}
            as boolean
        ) as is_certified_within_target,
        cast(is_churned as boolean) as is_churned,
        cast(churned_at as timestamp) as churned_at,
        cast(is_renewed as boolean) as is_renewed,
        cast(renewed_at as timestamp) as renewed_at,
        cast(is_expanded as boolean) as is_expanded,
        cast(expanded_at as timestamp) as expanded_at
    from observed
)

select * from final

{#
    One row per tenant (customer account): attributes, the segment columns
    the KPIs are cut by, and the lifecycle milestones.
#}

with

tenants as (
    select * from {{ ref('int_tenants_lifecycle') }}
),

industries as (
    select * from {{ ref('industries') }}
),

final as (
    select
        cast(tenants.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(tenants.tenant_name as {{ dbt.type_string() }}) as tenant_name,
        cast(tenants.industry as {{ dbt.type_string() }}) as industry,
        cast(industries.industry_label as {{ dbt.type_string() }}) as industry_label,
        cast(tenants.plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(tenants.region as {{ dbt.type_string() }}) as region,
        cast(tenants.seats_purchased as integer) as seats_purchased,
        cast(tenants.users as integer) as users,
        cast(tenants.onboarding_cohort as {{ dbt.type_string() }}) as onboarding_cohort,
        cast(tenants.signed_at as timestamp) as signed_at,
        cast(tenants.onboarded_at as timestamp) as onboarded_at,
        cast(tenants.activated_at as timestamp) as activated_at,
        cast(tenants.certified_at as timestamp) as certified_at,
        cast(tenants.churned_at as timestamp) as churned_at,
        cast(tenants.is_churned as boolean) as is_churned
    from tenants
    left join industries
        on tenants.industry = industries.industry
)

select * from final

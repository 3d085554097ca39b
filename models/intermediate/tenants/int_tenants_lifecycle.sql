{#
    One row per tenant: its attributes, segment columns and the dates of its
    lifecycle milestones (spec "The five tenant autonomy KPIs" and "Tenant
    outcomes").

    Users and activation come from int_tenant_activations_reached (the
    activation rule is written there); certification, churn, renewal and
    expansion are read here.
#}

with

tenants as (
    select * from {{ ref('stg_app__tenants') }}
),

tenant_activations as (
    select * from {{ ref('int_tenant_activations_reached') }}
),

certifications as (
    select * from {{ ref('stg_learning__certifications') }}
),

subscription_events as (
    select * from {{ ref('stg_billing__subscription_events') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

first_certifications as (
    select
        certifications.tenant_id,
        min(certifications.issued_at) as certified_at,
        count(*) as certifications_issued
    from certifications
    cross join as_of
    where cast(certifications.issued_at as date) <= as_of.as_of_date
    group by 1
),

subscription_milestones as (
    select
        subscription_events.tenant_id,
        min(case when subscription_events.event_type = 'churn' then subscription_events.effective_at end)
            as churned_at,
        min(case when subscription_events.event_type = 'renewal' then subscription_events.effective_at end)
            as renewed_at,
        min(
            case
                when
                    subscription_events.event_type in ('seat_upgrade', 'addon_activated')
                    and {{ dbt.datediff('tenants.onboarded_at', 'subscription_events.effective_at', 'day') }}
                    between 0 and {{ kpi_parameter('expansion_window_days') }}
                    then subscription_events.effective_at
            end
        ) as expanded_at
    from subscription_events
    inner join tenants
        on subscription_events.tenant_id = tenants.tenant_id
    cross join as_of
    where cast(subscription_events.effective_at as date) <= as_of.as_of_date
    group by 1
),

joined as (
    select
        tenants.tenant_id,
        tenants.tenant_name,
        tenants.industry,
        tenants.plan_tier,
        tenants.region,
        tenants.seats_purchased,
        tenant_activations.users,
        tenant_activations.activation_users_required,
        tenants.signed_at,
        tenants.onboarded_at,
        cast(tenants.onboarded_at as date) as onboarded_date,
        {{ year_month('tenants.onboarded_at') }} as onboarding_cohort,
        tenant_activations.activated_at,
        cast(tenant_activations.activated_at as date) as activated_date,
        first_certifications.certified_at,
        cast(first_certifications.certified_at as date) as certified_date,
        coalesce(first_certifications.certifications_issued, 0) as certifications_issued,
        subscription_milestones.churned_at,
        subscription_milestones.renewed_at,
        subscription_milestones.expanded_at as expanded_within_window_at,
        cast(
            {{ dbt.dateadd('day', kpi_parameter('expansion_window_days'), 'cast(tenants.onboarded_at as date)') }}
            as date
        ) as expansion_window_closed_on,
        as_of.as_of_date
    from tenants
    inner join tenant_activations
        on tenants.tenant_id = tenant_activations.tenant_id
    cross join as_of
    left join first_certifications
        on tenants.tenant_id = first_certifications.tenant_id
    left join subscription_milestones
        on tenants.tenant_id = subscription_milestones.tenant_id
),

final as (
    select
        tenant_id,
        tenant_name,
        industry,
        plan_tier,
        region,
        seats_purchased,
        users,
        activation_users_required,
        signed_at,
        onboarded_at,
        onboarded_date,
        onboarding_cohort,
        activated_at,
        {{ dbt.datediff('onboarded_date', 'activated_date', 'day') }} as days_to_activation,  -- noqa: LT05
        certified_at,
        {{ dbt.datediff('onboarded_date', 'certified_date', 'day') }} as days_to_certification,  -- noqa: LT05
        certifications_issued,
        churned_at,
        renewed_at,
        -- censored like every window flag: an expansion inside a window that
        -- has not closed yet is not reported until it closes
        case when expansion_window_closed_on <= as_of_date then expanded_within_window_at end as expanded_at,
        churned_at is not null as is_churned,
        renewed_at is not null as is_renewed,
        case
            when expansion_window_closed_on <= as_of_date then expanded_within_window_at is not null
        end as is_expanded,
        as_of_date
    from joined
)

select * from final

{#
    One row per tenant: its attributes, segment columns and the dates of its
    lifecycle milestones (spec "The five tenant autonomy KPIs" and "Tenant
    outcomes").

    activated_at: the moment the number of distinct users of the tenant with
    at least one autonomy or learning event at or after onboarded_at reaches
    max(1, ceil(activation_seat_share x seats_purchased)); its date is the
    first day on which that count is reached. The product share is rounded
    to 6 decimals before ceil so that 0.2 x 35 (7.000000000000001 in
    floating point) requires 7 users, not 8.
#}

with

tenants as (
    select * from {{ ref('stg_app__tenants') }}
),

users as (
    select * from {{ ref('stg_app__users') }}
),

events as (
    select * from {{ ref('stg_product__events') }}
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

user_counts as (
    select
        tenant_id,
        count(*) as users
    from users
    group by 1
),

user_first_autonomy_or_learning as (
    select
        events.tenant_id,
        events.user_id,
        min(events.occurred_at) as first_autonomy_or_learning_at
    from events
    inner join tenants
        on events.tenant_id = tenants.tenant_id
    cross join as_of
    where
        events.event_category in ('autonomy', 'learning')
        and events.occurred_at >= tenants.onboarded_at
        and events.occurred_date <= as_of.as_of_date
    group by 1, 2
),

users_ranked as (
    select
        tenant_id,
        user_id,
        first_autonomy_or_learning_at,
        row_number() over (
            partition by tenant_id
            order by first_autonomy_or_learning_at, user_id
        ) as user_rank
    from user_first_autonomy_or_learning
),

activation_thresholds as (
    select
        tenant_id,
        cast(
            greatest(
                1,
                ceil({{ round_to(kpi_parameter('activation_seat_share') ~ ' * coalesce(seats_purchased, 0)', 6) }})
            ) as integer
        ) as activation_users_required
    from tenants
),

activations as (
    select
        activation_thresholds.tenant_id,
        users_ranked.first_autonomy_or_learning_at as activated_at
    from activation_thresholds
    inner join users_ranked
        on
            activation_thresholds.tenant_id = users_ranked.tenant_id
            and activation_thresholds.activation_users_required = users_ranked.user_rank
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
        coalesce(user_counts.users, 0) as users,
        activation_thresholds.activation_users_required,
        tenants.signed_at,
        tenants.onboarded_at,
        cast(tenants.onboarded_at as date) as onboarded_date,
        {{ year_month('tenants.onboarded_at') }} as onboarding_cohort,
        activations.activated_at,
        cast(activations.activated_at as date) as activated_date,
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
    inner join activation_thresholds
        on tenants.tenant_id = activation_thresholds.tenant_id
    cross join as_of
    left join user_counts
        on tenants.tenant_id = user_counts.tenant_id
    left join activations
        on tenants.tenant_id = activations.tenant_id
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

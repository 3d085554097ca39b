{#
    One row per tenant: its staged users and its activation (spec "The five
    tenant autonomy KPIs"), as of the build's as-of date.

    activated_at: the moment the number of distinct users of the tenant with
    at least one autonomy or learning event at or after onboarded_at reaches
    max(1, ceil(activation_seat_share x seats_purchased)); its date is the
    first day on which that count is reached. The product share is rounded
    to 6 decimals before ceil so that 0.2 x 35 (7.000000000000001 in
    floating point) requires 7 users, not 8.
#}

{{ config(materialized='ephemeral') }}

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

final as (
    select
        tenants.tenant_id,
        coalesce(user_counts.users, 0) as users,
        activation_thresholds.activation_users_required,
        activations.activated_at
    from tenants
    inner join activation_thresholds
        on tenants.tenant_id = activation_thresholds.tenant_id
    left join user_counts
        on tenants.tenant_id = user_counts.tenant_id
    left join activations
        on tenants.tenant_id = activations.tenant_id
)

select * from final

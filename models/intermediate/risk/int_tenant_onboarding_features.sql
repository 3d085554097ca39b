{#
    One row per tenant: its onboarding features, from the first
    feature_window_days (N = 30) days after onboarded_at only.

    Counts cover days 0..N-1 after date(onboarded_at) (the first N days);
    milestone flags ("within N days") cover days 0..N. Every feature is
    therefore known on date(onboarded_at) + N = features_available_date, and
    the risk model only uses a tenant's features at scoring dates on or after
    it. Nothing from after day N enters a feature.

    The features keep the names of seed risk_model_features (`*_30d`, after
    feature_window_days' value): they are the risk model's feature interface,
    and the model orders its features by name, so a rename would reorder
    them. Every other name here is window-neutral (`*_in_feature_window`).
#}

with

tenants as (
    select * from {{ ref('int_tenants_lifecycle') }}
),

user_days as (
    select * from {{ ref('int_user_days_aggregated') }}
),

events as (
    select * from {{ ref('stg_product__events') }}
),

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

settings as (
    select cast({{ risk_model_setting('feature_window_days') }} as integer) as feature_window_days
),

tenant_windows as (
    select
        tenants.tenant_id,
        tenants.industry,
        tenants.plan_tier,
        tenants.seats_purchased,
        tenants.onboarded_at,
        tenants.onboarded_date,
        tenants.days_to_activation,
        tenants.days_to_certification,
        settings.feature_window_days,
        cast({{ dbt.dateadd('day', 'settings.feature_window_days', 'tenants.onboarded_date') }} as date)
            as features_available_date
    from tenants
    cross join settings
),

usage_in_window as (
    select
        tenant_windows.tenant_id,
        count(distinct user_days.user_id) as active_users,
        count(*) as active_user_days
    from tenant_windows
    inner join user_days
        on
            tenant_windows.tenant_id = user_days.tenant_id
            and user_days.activity_date >= tenant_windows.onboarded_date
            and user_days.activity_date < tenant_windows.features_available_date
    group by 1
),

window_feature_events as (
    select
        tenant_windows.tenant_id,
        events.feature_name
    from tenant_windows
    inner join events
        on
            tenant_windows.tenant_id = events.tenant_id
            and events.occurred_date >= tenant_windows.onboarded_date
            and events.occurred_date < tenant_windows.features_available_date
    where events.event_name = 'feature_used'
),

features_in_window as (
    select
        tenant_id,
        count(distinct feature_name) as distinct_features
    from window_feature_events
    where feature_name is not null
    group by 1
),

latest_nps_in_window as (
    {{ latest_nps_answers(
        'tenant_windows', ['tenant_id'],
        first_date='tenant_windows.onboarded_date',
        last_date='cast(' ~ dbt.dateadd('day', -1, 'tenant_windows.features_available_date') ~ ' as date)',
        match_columns=['tenant_id'],
    ) }}
),

nps_in_window as (
    select
        tenant_id,
        count(*) as nps_responses,
        cast(100 as {{ dbt.type_float() }}) * (
            sum({{ nps_answer_sign('nps_score') }})
        ) / count(*) as nps
    from latest_nps_in_window
    group by 1
),

tickets_in_window as (
    select
        tenant_windows.tenant_id,
        count(*) as tier1_tickets
    from tenant_windows
    inner join tickets
        on
            tenant_windows.tenant_id = tickets.tenant_id
            and cast(tickets.created_at as date) >= tenant_windows.onboarded_date
            and cast(tickets.created_at as date) < tenant_windows.features_available_date
    where tickets.ticket_tier = 1
    group by 1
),

final as (
    select
        tenant_windows.tenant_id,
        tenant_windows.industry,
        tenant_windows.plan_tier,
        tenant_windows.seats_purchased,
        tenant_windows.onboarded_at,
        tenant_windows.features_available_date,
        {{ within_window('tenant_windows.days_to_activation', 'tenant_windows.feature_window_days') }}
            as is_activated_within_30d,
        -- a certification issued before onboarding is certified by day 30 too
        {{ within_window('tenant_windows.days_to_certification', 'tenant_windows.feature_window_days') }}
            as is_certified_within_30d,
        coalesce(usage_in_window.active_users, 0) as active_users_in_feature_window,
        coalesce(usage_in_window.active_user_days, 0) as active_user_days_in_feature_window,
        cast(coalesce(usage_in_window.active_users, 0) as {{ dbt.type_float() }})
        / nullif(tenant_windows.seats_purchased, 0)
            as seat_active_share_30d,
        cast(coalesce(usage_in_window.active_user_days, 0) as {{ dbt.type_float() }})
        / nullif(tenant_windows.seats_purchased, 0)
            as active_user_days_per_seat_30d,
        coalesce(features_in_window.distinct_features, 0) as distinct_features_30d,
        coalesce(tickets_in_window.tier1_tickets, 0) as tier1_tickets_in_feature_window,
        cast(coalesce(tickets_in_window.tier1_tickets, 0) as {{ dbt.type_float() }})
        / nullif(tenant_windows.seats_purchased, 0)
            as tier1_tickets_per_seat_30d,
        coalesce(nps_in_window.nps_responses, 0) as nps_responses_in_feature_window,
        coalesce(nps_in_window.nps_responses, 0) > 0 as has_nps_30d,
        nps_in_window.nps as nps_30d,
        ln(greatest(tenant_windows.seats_purchased, 1)) as log_seats_purchased
    from tenant_windows
    left join usage_in_window
        on tenant_windows.tenant_id = usage_in_window.tenant_id
    left join features_in_window
        on tenant_windows.tenant_id = features_in_window.tenant_id
    left join nps_in_window
        on tenant_windows.tenant_id = nps_in_window.tenant_id
    left join tickets_in_window
        on tenant_windows.tenant_id = tickets_in_window.tenant_id
)

select * from final

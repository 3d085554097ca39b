{#
    One row per tenant: its onboarding features, from the first
    feature_window_days (N = 30) days after onboarded_at only.

    Counts cover days 0..N-1 after date(onboarded_at) (the first N days);
    milestone flags ("within N days") cover days 0..N. Every feature is
    therefore known on date(onboarded_at) + N = features_available_date, and
    the risk model only uses a tenant's features at scoring dates on or after
    it. Nothing from after day N enters a feature.
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

usage_30d as (
    select
        tenant_windows.tenant_id,
        count(distinct user_days.user_id) as active_users_30d,
        count(*) as active_user_days_30d
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

features_30d as (
    select
        tenant_id,
        count(distinct feature_name) as distinct_features_30d
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

nps_30d as (
    select
        tenant_id,
        count(*) as nps_responses_30d,
        cast(100 as {{ dbt.type_float() }}) * (
            sum({{ nps_answer_sign('nps_score') }})
        ) / count(*) as nps_30d
    from latest_nps_in_window
    group by 1
),

tickets_30d as (
    select
        tenant_windows.tenant_id,
        count(*) as tier1_tickets_30d
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
        coalesce(usage_30d.active_users_30d, 0) as active_users_30d,
        coalesce(usage_30d.active_user_days_30d, 0) as active_user_days_30d,
        cast(coalesce(usage_30d.active_users_30d, 0) as {{ dbt.type_float() }})
        / nullif(tenant_windows.seats_purchased, 0)
            as seat_active_share_30d,
        cast(coalesce(usage_30d.active_user_days_30d, 0) as {{ dbt.type_float() }})
        / nullif(tenant_windows.seats_purchased, 0)
            as active_user_days_per_seat_30d,
        coalesce(features_30d.distinct_features_30d, 0) as distinct_features_30d,
        coalesce(tickets_30d.tier1_tickets_30d, 0) as tier1_tickets_30d,
        cast(coalesce(tickets_30d.tier1_tickets_30d, 0) as {{ dbt.type_float() }})
        / nullif(tenant_windows.seats_purchased, 0)
            as tier1_tickets_per_seat_30d,
        coalesce(nps_30d.nps_responses_30d, 0) as nps_responses_30d,
        coalesce(nps_30d.nps_responses_30d, 0) > 0 as has_nps_30d,
        nps_30d.nps_30d,
        ln(greatest(tenant_windows.seats_purchased, 1)) as log_seats_purchased
    from tenant_windows
    left join usage_30d
        on tenant_windows.tenant_id = usage_30d.tenant_id
    left join features_30d
        on tenant_windows.tenant_id = features_30d.tenant_id
    left join nps_30d
        on tenant_windows.tenant_id = nps_30d.tenant_id
    left join tickets_30d
        on tenant_windows.tenant_id = tickets_30d.tenant_id
)

select * from final

{#
    The tenants to score: one row per scoring week and tenant live in that
    week, with whether its onboarding features were complete on the scoring
    date (a tenant onboarded less than feature_window_days before it is not
    scored yet: features_pending).
#}

with

scoring_dates as (
    select * from {{ ref('int_risk_scoring_dates') }}
),

tenant_weeks as (
    select * from {{ ref('int_tenant_weeks_aggregated') }}
),

features as (
    select * from {{ ref('int_tenant_onboarding_features') }}
),

final as (
    select
        scoring_dates.scoring_week_start,
        scoring_dates.scoring_date,
        tenant_weeks.tenant_id,
        features.features_available_date,
        coalesce(features.features_available_date <= scoring_dates.scoring_date, false) as has_features
    from scoring_dates
    inner join tenant_weeks
        on
            scoring_dates.scoring_week_start = tenant_weeks.week_start
            and tenant_weeks.is_live
    left join features
        on tenant_weeks.tenant_id = features.tenant_id
)

select * from final

{#
    One row per user: onboarding dates, days and within-N-day flags, window
    KPIs and the persona KPIs, as of the build's as-of date. Everything is
    computed once in int_users_lifecycle; this mart publishes it.
#}

with

users_lifecycle as (
    select * from {{ ref('int_users_lifecycle') }}
),

final as (
    select
        user_id,
        tenant_id,
        persona,
        industry,
        plan_tier,
        onboarding_cohort,
        created_at,
        signup_week_start,
        as_of_date,
        days_observed,
        first_session_at,
        activated_at,
        time_to_activate_days,
        is_activated_within_14d,
        is_activated_within_30d,
        is_activated_within_60d,
        first_value_at,
        time_to_first_value_days,
        is_first_value_within_14d,
        is_first_value_within_30d,
        is_first_value_within_60d,
        first_certified_at,
        time_to_certification_days,
        feature_depth_in_window as feature_depth_30d,
        login_weeks_with_session,
        login_weeks_observed,
        login_consistency,
        active_weeks,
        latest_nps_score,
        latest_nps_date,
        setup_steps_completed,
        setup_completed_at,
        days_to_setup_complete,
        import_errors,
        import_rows,
        import_error_rate,
        first_governance_action_at,
        days_to_first_governance_action,
        tasks_completed,
        tasks_failed,
        tasks_attempted,
        task_completion_rate,
        task_error_rate,
        collaboration_events,
        collaboration_events_per_active_week,
        catalog_features_used,
        catalog_features,
        feature_breadth,
        first_critical_feature_at,
        days_to_first_critical_feature
    from users_lifecycle
)

select * from final

{#
    One row per staged user: attributes, tenant segment columns, lifecycle
    dates and the per-user onboarding and persona KPI inputs, as of the
    build's as-of date (events, certifications and activity after it are
    ignored, so the model is a snapshot of complete weeks). It joins two
    focused models and derives the windows: int_user_milestones_reached
    (milestones, setup, imports, features: from the staged events) and
    int_user_activity_summarized (tasks, NPS, active and login weeks,
    certification: from the day and week aggregates).

    Windows (macro within_window): "within N days" means
    days(created_at, event) <= N (an event up to a day before created_at is
    allowed by the raw contract and counts); a user is observed N days when
    as_of_date >= date(created_at) + N, and a flag or window KPI of an
    unobserved user is null.

    Persona KPIs (setup, imports, governance for admins; tasks and
    collaboration for operators; feature breadth and critical feature for
    end users) are null for users of other personas.
#}

{%- set baseline_days = [14, 30, 60] %}

with

users as (
    select * from {{ ref('stg_app__users') }}
),

tenants as (
    select * from {{ ref('stg_app__tenants') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

user_milestones as (
    select * from {{ ref('int_user_milestones_reached') }}
),

user_activity as (
    select * from {{ ref('int_user_activity_summarized') }}
),

users_with_segments as (
    select
        users.user_id,
        users.tenant_id,
        users.persona,
        users.created_at,
        cast(users.created_at as date) as created_date,
        users.deactivated_at,
        tenants.industry,
        tenants.plan_tier,
        tenants.region
    from users
    left join tenants
        on users.tenant_id = tenants.tenant_id
),

joined as (
    select
        users_with_segments.*,
        cast({{ dbt.date_trunc('week', 'users_with_segments.created_date') }} as date) as signup_week_start,
        cast({{ dbt.date_trunc('month', 'users_with_segments.created_date') }} as date) as signup_month_start,
        as_of.as_of_date,
        user_milestones.first_event_at,
        user_milestones.last_event_at,
        user_milestones.first_session_at,
        user_milestones.activated_at,
        user_milestones.first_value_at,
        user_activity.first_certified_at,
        user_milestones.first_governance_action_at,
        user_milestones.first_critical_feature_at,
        user_milestones.setup_completed_at,
        user_milestones.setup_steps_completed,
        user_milestones.import_rows,
        user_milestones.import_errors,
        user_activity.tasks_completed,
        user_activity.tasks_failed,
        user_activity.active_weeks,
        user_activity.collaboration_events,
        user_milestones.features_within_depth_window,
        user_milestones.catalog_features_used,
        user_milestones.catalog_features,
        user_activity.login_weeks_with_session,
        user_activity.latest_nps_score,
        user_activity.latest_nps_date,
        user_activity.nps_score_in_window
    from users_with_segments
    cross join as_of
    inner join user_milestones
        on users_with_segments.user_id = user_milestones.user_id
    inner join user_activity
        on users_with_segments.user_id = user_activity.user_id
),

days_computed as (
    select
        *,
        {{ dbt.datediff('created_date', 'as_of_date', 'day') }}
            as days_observed,
        {{ dbt.datediff('created_date', 'cast(activated_at as date)', 'day') }}
            as time_to_activate_days,
        {{ dbt.datediff('created_date', 'cast(first_value_at as date)', 'day') }}
            as time_to_first_value_days,
        {{ dbt.datediff('created_date', 'cast(first_certified_at as date)', 'day') }}
            as time_to_certification_days,
        {{ dbt.datediff('created_date', 'cast(setup_completed_at as date)', 'day') }}
            as days_to_setup_complete_all,
        {{ dbt.datediff('created_date', 'cast(first_governance_action_at as date)', 'day') }}
            as days_to_first_governance_action_all,
        {{ dbt.datediff('created_date', 'cast(first_critical_feature_at as date)', 'day') }}
            as days_to_first_critical_feature_all,
        {{ dbt.datediff(
            dbt.date_trunc('week', 'created_date'), 'as_of_date', 'day'
        ) }} + 1 >= 7 * {{ kpi_parameter('login_consistency_weeks') }} as is_login_window_observed
    from joined
),

final as (
    select
        {{ user_attribute_columns() }},
        {{ year_month('created_date') }} as onboarding_cohort,
        as_of_date,
        days_observed,
        first_event_at,
        last_event_at,
        first_session_at,

        ---------- activation and first value
        activated_at,
        time_to_activate_days,
        {%- for n in baseline_days %}
            {{ within_window('time_to_activate_days', n, 'days_observed') }} as is_activated_within_{{ n }}d,
        {%- endfor %}
        first_value_at,
        time_to_first_value_days,
        {%- for n in baseline_days %}
            {{ within_window('time_to_first_value_days', n, 'days_observed') }} as is_first_value_within_{{ n }}d,
        {%- endfor %}
        first_certified_at,
        time_to_certification_days,

        ---------- engagement depth
        case
            when days_observed >= {{ kpi_parameter('feature_depth_window_days') }}
                then features_within_depth_window
        end as feature_depth_in_window,
        case when is_login_window_observed then login_weeks_with_session end as login_weeks_with_session,
        case
            when is_login_window_observed then cast({{ kpi_parameter('login_consistency_weeks') }} as integer)
        end as login_weeks_observed,
        case
            when is_login_window_observed
                then {{ divide_if_positive('login_weeks_with_session', kpi_parameter('login_consistency_weeks')) }}
        end as login_consistency,
        active_weeks,
        latest_nps_score,
        latest_nps_date,
        nps_score_in_window,

        ---------- admin
        case when persona = 'admin' then setup_steps_completed end as setup_steps_completed,
        case when persona = 'admin' then setup_completed_at end as setup_completed_at,
        case when persona = 'admin' then days_to_setup_complete_all end as days_to_setup_complete,
        case when persona = 'admin' then import_errors end as import_errors,
        case when persona = 'admin' then import_rows end as import_rows,
        case when persona = 'admin' then {{ divide_if_positive('import_errors', 'import_rows') }} end
            as import_error_rate,
        case when persona = 'admin' then first_governance_action_at end as first_governance_action_at,
        case when persona = 'admin' then days_to_first_governance_action_all end
            as days_to_first_governance_action,

        ---------- operator
        case when persona = 'operator' then tasks_completed end as tasks_completed,
        case when persona = 'operator' then tasks_failed end as tasks_failed,
        case when persona = 'operator' then tasks_completed + tasks_failed end as tasks_attempted,
        case
            when persona = 'operator'
                then {{ divide_if_positive('tasks_completed', 'tasks_completed + tasks_failed') }}
        end as task_completion_rate,
        case
            when persona = 'operator'
                then {{ divide_if_positive('tasks_failed', 'tasks_completed + tasks_failed') }}
        end as task_error_rate,
        case when persona = 'operator' then collaboration_events end as collaboration_events,
        case
            when persona = 'operator' then {{ divide_if_positive('collaboration_events', 'active_weeks') }}
        end as collaboration_events_per_active_week,

        ---------- end user
        case when persona = 'end_user' then catalog_features_used end as catalog_features_used,
        case when persona = 'end_user' then catalog_features end as catalog_features,
        case
            when persona = 'end_user' then {{ divide_if_positive('catalog_features_used', 'catalog_features') }}
        end as feature_breadth,
        case when persona = 'end_user' then first_critical_feature_at end as first_critical_feature_at,
        case when persona = 'end_user' then days_to_first_critical_feature_all end
            as days_to_first_critical_feature
    from days_computed
)

select * from final

{#
    One row per staged user: attributes, tenant segment columns, lifecycle
    dates and the per-user onboarding and persona KPI inputs, as of the
    build's as-of date (events, certifications and activity after it are
    ignored, so the model is a snapshot of complete weeks).

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

events as (
    select * from {{ ref('stg_product__events') }}
),

certifications as (
    select * from {{ ref('stg_learning__certifications') }}
),

user_days as (
    select * from {{ ref('int_user_days_aggregated') }}
),

user_weeks as (
    select * from {{ ref('int_user_weeks_aggregated') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

persona_milestones as (
    select * from {{ ref('persona_milestones') }}
),

feature_catalog as (
    select * from {{ ref('feature_catalog') }}
),

-- one scan of the events: first and last occurrence per user and event
-- detail (setup step, feature), plus import volumes
user_event_details as (
    select
        events.user_id,
        events.event_name,
        events.event_category,
        events.setup_step,
        events.feature_name,
        coalesce(events.is_critical_feature, false) as is_critical_feature,
        min(events.occurred_at) as first_occurred_at,
        max(events.occurred_at) as last_occurred_at,
        cast(sum(events.import_rows) as bigint) as import_rows,
        cast(sum(events.import_errors) as bigint) as import_errors
    from events
    inner join as_of
        on events.occurred_date <= as_of.as_of_date
    group by 1, 2, 3, 4, 5, 6
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

activations as (
    select
        user_event_details.user_id,
        min(user_event_details.first_occurred_at) as activated_at
    from user_event_details
    inner join users_with_segments
        on user_event_details.user_id = users_with_segments.user_id
    inner join persona_milestones
        on
            users_with_segments.persona = persona_milestones.persona
            and (
                (
                    persona_milestones.milestone_type = 'category'
                    and user_event_details.event_category = persona_milestones.milestone_value
                )
                or (
                    persona_milestones.milestone_type = 'event_name'
                    and user_event_details.event_name = persona_milestones.milestone_value
                )
            )
    group by 1
),

event_firsts as (
    select
        user_id,
        min(first_occurred_at) as first_event_at,
        max(last_occurred_at) as last_event_at,
        min(case when event_name = 'session_started' then first_occurred_at end) as first_session_at,
        min(case when event_name = 'workflow_completed' then first_occurred_at end) as first_value_at,
        min(case when event_name = 'governance_action' then first_occurred_at end) as first_governance_action_at,
        min(
            case when event_name = 'feature_used' and is_critical_feature then first_occurred_at end
        ) as first_critical_feature_at,
        cast(sum(case when event_name = 'data_import_completed' then import_rows end) as bigint) as import_rows,
        cast(sum(case when event_name = 'data_import_completed' then import_errors end) as bigint)
            as import_errors
    from user_event_details
    group by 1
),

setup_step_firsts as (
    select
        user_id,
        setup_step,
        min(first_occurred_at) as first_completed_at
    from user_event_details
    where event_name = 'setup_step_completed' and setup_step is not null
    group by 1, 2
),

setup_steps_ranked as (
    select
        *,
        row_number() over (partition by user_id order by first_completed_at, setup_step) as step_number
    from setup_step_firsts
),

setup_progress as (
    select
        user_id,
        count(*) as setup_steps_completed,
        min(
            case when step_number = {{ kpi_parameter('setup_steps_required') }} then first_completed_at end
        ) as setup_completed_at
    from setup_steps_ranked
    group by 1
),

feature_firsts as (
    select
        user_event_details.user_id,
        user_event_details.feature_name,
        min(user_event_details.first_occurred_at) as first_used_at,
        max(case when feature_catalog.feature is not null then 1 else 0 end) as is_in_catalog
    from user_event_details
    left join feature_catalog
        on user_event_details.feature_name = feature_catalog.feature
    where user_event_details.event_name = 'feature_used' and user_event_details.feature_name is not null
    group by 1, 2
),

feature_usage as (
    select
        feature_firsts.user_id,
        count(
            case
                when
                    cast(feature_firsts.first_used_at as date)
                    <= cast(
                        {{ dbt.dateadd('day', kpi_parameter('feature_depth_window_days'),
                                       'users_with_segments.created_date') }} as date
                    )
                    then 1
            end
        ) as features_within_depth_window,
        count(case when feature_firsts.is_in_catalog = 1 then 1 end) as catalog_features_used
    from feature_firsts
    inner join users_with_segments
        on feature_firsts.user_id = users_with_segments.user_id
    group by 1
),

catalog_size as (
    select count(*) as catalog_features
    from feature_catalog
),

task_totals as (
    select
        user_days.user_id,
        cast(sum(user_days.tasks_completed) as bigint) as tasks_completed,
        cast(sum(user_days.tasks_failed) as bigint) as tasks_failed
    from user_days
    inner join as_of
        on user_days.activity_date <= as_of.as_of_date
    group by 1
),

latest_nps as (
    select
        user_days.user_id,
        max(user_days.activity_date) as latest_nps_date,
        {{ latest_by('user_days.last_nps_score', 'user_days.activity_date') }} as latest_nps_score
    from user_days
    inner join as_of
        on user_days.activity_date <= as_of.as_of_date
    where user_days.nps_responses > 0
    group by 1
),

week_totals as (
    select
        user_weeks.user_id,
        count(*) as active_weeks,
        cast(sum(user_weeks.collaboration_events) as bigint) as collaboration_events
    from user_weeks
    inner join as_of
        on user_weeks.week_start <= as_of.as_of_week_start
    group by 1
),

login_weeks as (
    select
        user_weeks.user_id,
        count(case when user_weeks.sessions > 0 then 1 end) as login_weeks_with_session
    from user_weeks
    inner join users_with_segments
        on user_weeks.user_id = users_with_segments.user_id
    where
        user_weeks.week_start >= cast({{ dbt.date_trunc('week', 'users_with_segments.created_date') }} as date)
        and user_weeks.week_start < cast(
            {{ dbt.dateadd(
                'day',
                '7 * ' ~ kpi_parameter('login_consistency_weeks'),
                dbt.date_trunc('week', 'users_with_segments.created_date')
            ) }} as date
        )
    group by 1
),

first_certifications as (
    select
        certifications.user_id,
        min(certifications.issued_at) as first_certified_at
    from certifications
    inner join as_of
        on cast(certifications.issued_at as date) <= as_of.as_of_date
    group by 1
),

joined as (
    select
        users_with_segments.*,
        cast({{ dbt.date_trunc('week', 'users_with_segments.created_date') }} as date) as signup_week_start,
        cast({{ dbt.date_trunc('month', 'users_with_segments.created_date') }} as date) as signup_month_start,
        as_of.as_of_date,
        event_firsts.first_event_at,
        event_firsts.last_event_at,
        event_firsts.first_session_at,
        activations.activated_at,
        event_firsts.first_value_at,
        first_certifications.first_certified_at,
        event_firsts.first_governance_action_at,
        event_firsts.first_critical_feature_at,
        setup_progress.setup_completed_at,
        coalesce(setup_progress.setup_steps_completed, 0) as setup_steps_completed,
        coalesce(event_firsts.import_rows, 0) as import_rows,
        coalesce(event_firsts.import_errors, 0) as import_errors,
        coalesce(task_totals.tasks_completed, 0) as tasks_completed,
        coalesce(task_totals.tasks_failed, 0) as tasks_failed,
        coalesce(week_totals.active_weeks, 0) as active_weeks,
        coalesce(week_totals.collaboration_events, 0) as collaboration_events,
        coalesce(feature_usage.features_within_depth_window, 0) as features_within_depth_window,
        coalesce(feature_usage.catalog_features_used, 0) as catalog_features_used,
        catalog_size.catalog_features,
        coalesce(login_weeks.login_weeks_with_session, 0) as login_weeks_with_session,
        latest_nps.latest_nps_score,
        latest_nps.latest_nps_date
    from users_with_segments
    cross join as_of
    cross join catalog_size
    left join event_firsts
        on users_with_segments.user_id = event_firsts.user_id
    left join activations
        on users_with_segments.user_id = activations.user_id
    left join setup_progress
        on users_with_segments.user_id = setup_progress.user_id
    left join feature_usage
        on users_with_segments.user_id = feature_usage.user_id
    left join task_totals
        on users_with_segments.user_id = task_totals.user_id
    left join latest_nps
        on users_with_segments.user_id = latest_nps.user_id
    left join week_totals
        on users_with_segments.user_id = week_totals.user_id
    left join login_weeks
        on users_with_segments.user_id = login_weeks.user_id
    left join first_certifications
        on users_with_segments.user_id = first_certifications.user_id
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
        user_id,
        tenant_id,
        persona,
        created_at,
        created_date,
        deactivated_at,
        industry,
        plan_tier,
        region,
        signup_week_start,
        signup_month_start,
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
        end as feature_depth_30d,
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

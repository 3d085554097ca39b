{#
    One row per user and ISO week with at least one active day, rolled up
    from int_user_days_aggregated (no second pass over events). A user absent
    from a week was inactive that week. usage_streak_weeks counts the
    consecutive active weeks ending with this one.
#}

with

user_days as (
    select * from {{ ref('int_user_days_aggregated') }}
),

user_days_weekly as (
    select
        *,
        cast({{ dbt.date_trunc('week', 'activity_date') }} as date) as week_start
    from user_days
),

weekly as (
    select
        user_id,
        tenant_id,
        week_start,
        count(*) as active_days,
        cast(sum(events) as bigint) as events,
        cast(sum(autonomy_events) as bigint) as autonomy_events,
        cast(sum(learning_events) as bigint) as learning_events,
        cast(sum(core_events) as bigint) as core_events,
        cast(sum(collaboration_events) as bigint) as collaboration_events,
        cast(sum(feedback_events) as bigint) as feedback_events,
        cast(sum(sessions) as bigint) as sessions,
        cast(sum(tasks_completed) as bigint) as tasks_completed,
        cast(sum(tasks_failed) as bigint) as tasks_failed,
        cast(sum(workflows_completed) as bigint) as workflows_completed,
        cast(sum(features_used) as bigint) as features_used,
        cast(sum(content_views) as bigint) as content_views
    from user_days_weekly
    group by 1, 2, 3
),

numbered as (
    select
        *,
        row_number() over (partition by user_id order by week_start) as week_number
    from weekly
),

-- consecutive weeks share the same anchor (week_start minus 7 x rank)
islands as (
    select
        *,
        cast({{ dbt.dateadd('day', '-7 * week_number', 'week_start') }} as date) as streak_anchor
    from numbered
),

final as (
    select
        user_id,
        tenant_id,
        week_start,
        active_days,
        events,
        autonomy_events,
        learning_events,
        core_events,
        collaboration_events,
        feedback_events,
        sessions,
        tasks_completed,
        tasks_failed,
        workflows_completed,
        features_used,
        content_views,
        autonomy_events > 0 as has_autonomy_event,
        learning_events > 0 as has_learning_event,
        autonomy_events + learning_events > 0 as has_autonomy_or_learning_event,
        learning_events > 0 as is_learner,
        row_number() over (partition by user_id, streak_anchor order by week_start) as usage_streak_weeks
    from islands
)

select * from final

{#
    One row per user and day with at least one staged event (a user is active
    on a day with at least one staged event). The single aggregation pass over
    the event table: every other user-level model reads this one or its
    weekly roll-up. Events are dated by occurred_at, however late they were
    received. Categories come from the event_taxonomy seed via staging.
#}

with

events as (
    select * from {{ ref('stg_product__events') }}
),

daily as (
    select
        user_id,
        tenant_id,
        occurred_date as activity_date,
        count(*) as events,
        count(case when event_category = 'autonomy' then 1 end) as autonomy_events,
        count(case when event_category = 'learning' then 1 end) as learning_events,
        count(case when event_category = 'core' then 1 end) as core_events,
        count(case when event_category = 'collaboration' then 1 end) as collaboration_events,
        count(case when event_category = 'feedback' then 1 end) as feedback_events,
        count(case when event_name = 'session_started' then 1 end) as sessions,
        count(case when event_name = 'task_completed' then 1 end) as tasks_completed,
        count(case when event_name = 'task_failed' then 1 end) as tasks_failed,
        count(case when event_name = 'workflow_completed' then 1 end) as workflows_completed,
        count(case when event_name = 'feature_used' then 1 end) as features_used,
        count(case when event_name = 'content_viewed' then 1 end) as content_views,
        count(case when event_name = 'nps_submitted' and nps_score is not null then 1 end) as nps_responses,
        -- latest answer of the day; ties on occurred_at broken by event_id
        arg_max(
            nps_score,
            case when event_name = 'nps_submitted' and nps_score is not null then (occurred_at, event_id) end
        ) as last_nps_score
    from events
    group by 1, 2, 3
),

final as (
    select * from daily
)

select * from final

{#
    One row per user and day with at least one staged event (a user is active
    on a day with at least one staged event). The single aggregation pass over
    the event table: every other user-level model reads this one or its
    weekly roll-up. Events are dated by occurred_at, however late they were
    received. Categories come from the event_taxonomy seed via staging.

    Incremental (perf): a run recomputes whole activity days, namely every
    day holding a staged event received (or loaded: load_date) since the
    latest stored last_received_at minus var('events_lookback_days') (the
    same window as base_product__events) or loaded by this run of
    base_product__events (events_loaded_since: a partition delivered late
    and out of order), plus every stored day whose last_received_at falls
    in that window (a re-delivery may have re-dated its event). Days are
    replaced whole (delete+insert on activity_date), so a recomputed day
    equals a full refresh. Like the events model: after a retroactive change
    to stored events outside the window, run `dbt build --full-refresh`.
#}
{{ config(**period_replacing_incremental_config('activity_date')) }}

with

-- read twice in incremental runs: inlined, not copied (61M rows at 50M scale)
events as {{ cte_not_materialized() }} (
    select * from {{ ref('stg_product__events') }}
),

{% if is_incremental() %}
-- {{ this }} is read in place (no import CTE), as in base_product__events.
load_window as (
    {{ events_load_window() }}
),

received_days as (
    -- load_date: a late partition's rows are new however old their received_at
    {{ events_recomputed_dates('events', '(select load_window.window_start from load_window)') }}
),

stored_days as (
    select distinct activity_date
    from {{ this }}
    where last_received_at >= (select load_window.window_start from load_window)
),

affected_days as (
    select occurred_date as activity_date from received_days
    union
    select activity_date from stored_days
),
{% endif %}

events_in_scope as (
    select * from events
    {% if is_incremental() %}
        where occurred_date in (select affected_days.activity_date from affected_days)
    {% endif %}
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
        {{ latest_by(
            'nps_score',
            "case when event_name = 'nps_submitted' and nps_score is not null then (occurred_at, event_id) end"
        ) }} as last_nps_score,
        -- bookkeeping for the incremental window
        max(received_at) as last_received_at
    from events_in_scope
    group by 1, 2, 3
),

final as (
    select * from daily
)

select * from final

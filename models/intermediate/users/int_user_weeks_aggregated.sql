{#
    One row per user and ISO week with at least one active day, rolled up
    from int_user_days_aggregated (no second pass over events). A user absent
    from a week was inactive that week. usage_streak_weeks counts the
    consecutive active weeks ending with this one.

    Incremental by week (perf): a run recomputes every week from the first
    week the new data touches, namely the weeks of the days
    int_user_days_aggregated recomputes (events_recomputed_dates, with this
    model's own latest last_received_at as the window) and every stored week
    whose last_received_at falls in the window (a re-delivery may have
    re-dated its event). Weeks are replaced whole from that week on
    (delete+insert on week_start): a streak running into the first
    recomputed week continues from the stored streak of the week before it,
    so a recomputed week equals a full refresh. In a weekly run that is the
    last two or three weeks; a partition delivered late for an old date
    recomputes from its week on. As for the user days: after a retroactive
    change to stored events outside the window, run `dbt build --full-refresh`.
#}
{{ config(**period_replacing_incremental_config('week_start')) }}

with

user_days as (
    select * from {{ ref('int_user_days_aggregated') }}
),

-- read in incremental runs only (unused on a full refresh), inlined, not copied
events as {{ cte_not_materialized() }} ( -- noqa: ST03
    select * from {{ ref('stg_product__events') }}
),

{% if is_incremental() %}
-- {{ this }} is read in place (no import CTE), as in int_user_days_aggregated.
first_recomputed_week as (
    {{ events_first_recomputed_week('events') }}
),

-- the stored streak of the week before the first recomputed one: a streak
-- running into the recomputed weeks continues from it
streaks_before as (
    select
        stored.user_id,
        stored.usage_streak_weeks as streak_weeks_before
    from {{ this }} as stored
    inner join first_recomputed_week
        on stored.week_start = cast({{ dbt.dateadd('day', -7, 'first_recomputed_week.week_start') }} as date)
),
{% endif %}

user_days_in_scope as (
    select * from user_days
    {% if is_incremental() %}
        where activity_date >= (select first_recomputed_week.week_start from first_recomputed_week)
    {% endif %}
),

user_days_weekly as (
    select
        *,
        cast({{ dbt.date_trunc('week', 'activity_date') }} as date) as week_start
    from user_days_in_scope
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
        cast(sum(content_views) as bigint) as content_views,
        -- bookkeeping for the incremental window
        max(last_received_at) as last_received_at
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

streaks as (
    select
        *,
        row_number() over (partition by user_id, streak_anchor order by week_start) as streak_weeks_in_scope,
        min(week_start) over (partition by user_id, streak_anchor) as streak_first_week_in_scope
    from islands
),

final as (
    select
        streaks.user_id,
        streaks.tenant_id,
        streaks.week_start,
        streaks.active_days,
        streaks.events,
        streaks.autonomy_events,
        streaks.learning_events,
        streaks.core_events,
        streaks.collaboration_events,
        streaks.feedback_events,
        streaks.sessions,
        streaks.tasks_completed,
        streaks.tasks_failed,
        streaks.workflows_completed,
        streaks.features_used,
        streaks.content_views,
        streaks.autonomy_events > 0 as has_autonomy_event,
        streaks.learning_events > 0 as has_learning_event,
        streaks.autonomy_events + streaks.learning_events > 0 as has_autonomy_or_learning_event,
        streaks.learning_events > 0 as is_learner,
        {% if is_incremental() %}
            streaks.streak_weeks_in_scope + case
                when streaks.streak_first_week_in_scope = first_recomputed_week.week_start
                    then coalesce(streaks_before.streak_weeks_before, 0)
                else 0
            end as usage_streak_weeks,
        {% else %}
            streaks.streak_weeks_in_scope as usage_streak_weeks,
        {% endif %}
        streaks.last_received_at
    from streaks
    {% if is_incremental() %}
        cross join first_recomputed_week
        left join streaks_before
            on streaks.user_id = streaks_before.user_id
    {% endif %}
)

select * from final

{#
    One row per staged user: what the user's day and week aggregates and
    certifications add up to as of the as-of date (no single event is read
    here: int_user_days_aggregated is the one pass over the events).

    - tasks completed / failed and NPS from the user's days: the latest
      answer on or before the as-of date, and the latest answer in the
      nps_window_days ending with it (macro latest_nps_answers);
    - complete active weeks and collaboration events from the user's weeks;
      weeks 0..login_consistency_weeks-1 after the signup week with a
      session (the signup week is week 0);
    - the first certification issued on or before the as-of date.
#}

{{ config(materialized='ephemeral') }}

with

users as (
    select * from {{ ref('stg_app__users') }}
),

user_days as (
    select * from {{ ref('int_user_days_aggregated') }}
),

user_weeks as (
    select * from {{ ref('int_user_weeks_aggregated') }}
),

certifications as (
    select * from {{ ref('stg_learning__certifications') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
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
    {{ latest_nps_answers('as_of', [], last_date='as_of.as_of_date') }}
),

latest_nps_in_window as (
    {{ latest_nps_answers(
        'as_of', [], last_date='as_of.as_of_date', window_days=kpi_parameter('nps_window_days')
    ) }}
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
    inner join users
        on user_weeks.user_id = users.user_id
    where
        user_weeks.week_start >= cast({{ dbt.date_trunc('week', 'cast(users.created_at as date)') }} as date)
        and user_weeks.week_start < cast(
            {{ dbt.dateadd(
                'day',
                '7 * ' ~ kpi_parameter('login_consistency_weeks'),
                dbt.date_trunc('week', 'cast(users.created_at as date)')
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

final as (
    select
        users.user_id,
        coalesce(task_totals.tasks_completed, 0) as tasks_completed,
        coalesce(task_totals.tasks_failed, 0) as tasks_failed,
        coalesce(week_totals.active_weeks, 0) as active_weeks,
        coalesce(week_totals.collaboration_events, 0) as collaboration_events,
        coalesce(login_weeks.login_weeks_with_session, 0) as login_weeks_with_session,
        latest_nps.nps_score as latest_nps_score,
        latest_nps.answered_date as latest_nps_date,
        latest_nps_in_window.nps_score as nps_score_in_window,
        first_certifications.first_certified_at
    from users
    left join task_totals
        on users.user_id = task_totals.user_id
    left join latest_nps
        on users.user_id = latest_nps.user_id
    left join latest_nps_in_window
        on users.user_id = latest_nps_in_window.user_id
    left join week_totals
        on users.user_id = week_totals.user_id
    left join login_weeks
        on users.user_id = login_weeks.user_id
    left join first_certifications
        on users.user_id = first_certifications.user_id
)

select * from final

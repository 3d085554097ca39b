{#
    What a weekly model downstream of the user weeks read of them, one row
    per week: its user-week rows, their active days and events, and their
    latest received_at. Every change the user-day and user-week aggregates
    make to a week changes one of these: a new or late event adds to the
    week's events, a partition delivered late for an old date too (its
    received_at is older than any load window, which is why a window on the
    events alone does not find it), a re-dated re-delivery moves events
    between weeks. So comparing it with what the model's last run read
    (record_user_weeks_read, kept beside the model) gives the first week the
    new events touch without a second read of the events: the user days are
    the one pass over them, and the weekly models downstream read their
    aggregates.
#}
{% macro user_weeks_read(user_weeks) %}
    select
        user_weeks.week_start,
        count(*) as user_weeks,
        sum(user_weeks.active_days) as active_days,
        sum(user_weeks.events) as events,
        max(user_weeks.last_received_at) as last_received_at
    from {{ user_weeks }} as user_weeks
    group by user_weeks.week_start
{% endmacro %}


{#
    A post-hook of a weekly model downstream of the user weeks: keeps what
    this run read of them (user_weeks_read of `user_weeks`, the ref) in
    `<model>_user_weeks_read`. A
    run that fails before it leaves the older record, which only widens the
    next run's window.
#}
{% macro record_user_weeks_read(user_weeks) %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% do write_side_table('user_weeks_read', user_weeks_read(user_weeks)) %}
    {{ return('') }}
{% endmacro %}


{#
    The body of a CTE `select week_start`: the first week whose user weeks
    (`user_weeks`, an import CTE of int_user_weeks_aggregated) differ from
    what the model's last run read of them (record_user_weeks_read); every
    week when no run recorded it yet. One of the candidates of
    weekly_first_recomputed_week.
#}
{% macro user_weeks_first_changed_week(user_weeks) %}
    with

    user_weeks_now as (
        {{ user_weeks_read(user_weeks) }}
    ),

    user_weeks_before as (
        {{ recorded_rows(side_table('user_weeks_read'), 'user_weeks_now') }}
    )

    {{ first_changed_week(
        'user_weeks_now', 'user_weeks_before', ['week_start'],
        ['user_weeks', 'active_days', 'events', 'last_received_at'],
    ) }}
{% endmacro %}

{#
    Alerts from weekly statuses: the one home of the alert rule, used by
    fct_kpi_alerts and by the alert simulation.

    Input: a relation with one row per series x week (series_columns,
    week_start, status, unit_count) and the rule for the row's series:
    alert_consecutive_weeks and alert_minimum_units. A week breaches when
    its status is off_track (the whole interval past the threshold and the
    value past the at-risk margin) and at least alert_minimum_units units
    stand behind it. A run of alert_consecutive_weeks breaching weeks opens
    an alert in the week the run reaches that length. The alert closes in
    the first later on_track week (closed_reason back_on_track; at_risk,
    possibly_off_track, small_sample and no_data weeks keep it open), or,
    when the series stops reporting for good (a cohort segment whose units
    all left the rolling window), in the first week of the no_data run that
    lasts to the last week (closed_reason no_longer_reported): nobody can
    act on a KPI that no longer has a value. A new run while an alert is
    open does not open a second one: triggers sharing a closing week (or
    all still open) form one alert.

    Output: series_columns, opened_week, closed_week (null while open),
    closed_reason.
#}
{% macro kpi_alert_episodes(weekly_statuses, series_columns) -%}
    {%- set keys = series_columns | join(', ') -%}
    with

    breaches as (
        select
            {{ keys }},
            week_start,
            status,
            alert_consecutive_weeks,
            coalesce(status = 'off_track' and unit_count >= alert_minimum_units, false) as is_breach
        from {{ weekly_statuses }}
    ),

    runs as (
        select
            *,
            -- a run of breaching weeks starts after each week that does not breach
            sum(case when is_breach then 0 else 1 end) over (
                partition by {{ keys }}
                order by week_start
                rows between unbounded preceding and current row
            ) as run_id
        from breaches
    ),

    run_lengths as (
        select
            *,
            case
                when is_breach
                    then sum(case when is_breach then 1 else 0 end) over (
                        partition by {{ keys }}, run_id
                        order by week_start
                        rows between unbounded preceding and current row
                    )
                else 0
            end as breaching_weeks
        from runs
    ),

    triggers as (
        select
            {{ keys }},
            week_start as trigger_week
        from run_lengths
        where breaching_weeks = alert_consecutive_weeks
    ),

    reporting_ends as (
        -- the first week after a series' last week with data, when the series has not reported since
        select
            {%- for column in series_columns %}
                breaches.{{ column }},
            {%- endfor %}
            min(case when breaches.week_start > reported.last_reported_week then breaches.week_start end)
                as stopped_week
        from breaches
        inner join (
            select
                {{ keys }},
                max(case when status <> 'no_data' then week_start end) as last_reported_week
            from breaches
            group by {{ keys }}
        ) as reported
            on
            {%- for column in series_columns %}
                {{ 'and ' if not loop.first }}breaches.{{ column }} = reported.{{ column }}
            {%- endfor %}
        group by
        {%- for column in series_columns %}
            breaches.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    ),

    recoveries as (
        select
            {{ keys }},
            week_start as recovery_week,
            'back_on_track' as closed_reason
        from breaches
        where status = 'on_track'
        union all
        select
            {{ keys }},
            stopped_week as recovery_week,
            'no_longer_reported' as closed_reason
        from reporting_ends
        where stopped_week is not null
    ),

    trigger_closures as (
        select
            {%- for column in series_columns %}
                triggers.{{ column }},
            {%- endfor %}
            triggers.trigger_week,
            min(recoveries.recovery_week) as closed_week
        from triggers
        left join recoveries
            on
            {%- for column in series_columns %}
                triggers.{{ column }} = recoveries.{{ column }} and
            {%- endfor %}
                recoveries.recovery_week > triggers.trigger_week
        group by
            {%- for column in series_columns %}
                triggers.{{ column }},
            {%- endfor %}
            triggers.trigger_week
    ),

    alerts as (
        select
            {{ keys }},
            min(trigger_week) as opened_week,
            closed_week
        from trigger_closures
        group by {{ keys }}, closed_week
    )

    -- a week is either on_track (it has data) or the end of reporting (no data): one reason
    select
        {%- for column in series_columns %}
            alerts.{{ column }},
        {%- endfor %}
        alerts.opened_week,
        alerts.closed_week,
        recoveries.closed_reason
    from alerts
    left join recoveries
        on
        {%- for column in series_columns %}
            alerts.{{ column }} = recoveries.{{ column }} and
        {%- endfor %}
            alerts.closed_week = recoveries.recovery_week
{%- endmacro %}

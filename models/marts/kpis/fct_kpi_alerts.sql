{#
    One row per alert: a KPI x segment series that is off_track for
    alert_consecutive_weeks weeks in a row opens an alert in the week the run
    reaches that length (opened_week). The alert closes in the first later
    week whose status is on_track (closed_week, null while open); at_risk and
    no_data weeks keep it open. A new run of off_track weeks while the alert
    is open does not open a second alert (gaps and islands: every trigger
    week is mapped to its closing week, and triggers sharing a closing week,
    or all still open, form one alert).
#}

with

scorecard as (
    select * from {{ ref('fct_kpi_scorecard') }}
),

last_week as {{ cte_materialized() }} (
    select max(week_start) as last_week_start
    from scorecard
),

triggers as (
    select
        kpi_name,
        segment_type,
        segment_value,
        week_start as trigger_week
    from scorecard
    where consecutive_off_track_weeks = {{ kpi_parameter('alert_consecutive_weeks') }}
),

recoveries as (
    select
        kpi_name,
        segment_type,
        segment_value,
        week_start as recovery_week
    from scorecard
    where status = 'on_track'
),

trigger_closures as (
    select
        triggers.kpi_name,
        triggers.segment_type,
        triggers.segment_value,
        triggers.trigger_week,
        min(recoveries.recovery_week) as closed_week
    from triggers
    left join recoveries
        on
            triggers.kpi_name = recoveries.kpi_name
            and triggers.segment_type = recoveries.segment_type
            and triggers.segment_value = recoveries.segment_value
            and recoveries.recovery_week > triggers.trigger_week
    group by 1, 2, 3, 4
),

alerts as (
    select
        kpi_name,
        segment_type,
        segment_value,
        closed_week,
        min(trigger_week) as opened_week
    from trigger_closures
    group by 1, 2, 3, 4
),

final as (
    select
        cast(
            {{ dbt.hash(dbt.concat([
                'alerts.kpi_name', "'|'", 'alerts.segment_type', "'|'",
                'alerts.segment_value', "'|'", 'cast(alerts.opened_week as ' ~ dbt.type_string() ~ ')',
            ])) }} as {{ dbt.type_string() }}
        ) as alert_id,
        cast(alerts.kpi_name as {{ dbt.type_string() }}) as kpi_name,
        cast(scorecard.kpi_label as {{ dbt.type_string() }}) as kpi_label,
        cast(alerts.segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(alerts.segment_value as {{ dbt.type_string() }}) as segment_value,
        cast(alerts.opened_week as date) as opened_week,
        cast(alerts.closed_week as date) as closed_week,
        cast(
            {{ dbt.datediff(
                'alerts.opened_week',
                'coalesce(alerts.closed_week, ' ~ dbt.dateadd('day', 7, 'last_week.last_week_start') ~ ')',
                'day',
            ) }} / 7 as integer
        ) as weeks_open,
        cast(case when alerts.closed_week is null then 'open' else 'closed' end as {{ dbt.type_string() }}) as status,
        alerts.closed_week is null as is_open,
        cast(scorecard.value as {{ dbt.type_float() }}) as value_at_open,
        cast(latest.value as {{ dbt.type_float() }}) as last_value,
        cast(scorecard.threshold as {{ dbt.type_float() }}) as threshold,
        cast(scorecard.direction as {{ dbt.type_string() }}) as direction,
        cast(scorecard.owner as {{ dbt.type_string() }}) as owner,
        cast(scorecard.playbook_actions as {{ dbt.type_string() }}) as playbook_actions
    from alerts
    cross join last_week
    inner join scorecard
        on
            alerts.kpi_name = scorecard.kpi_name
            and alerts.segment_type = scorecard.segment_type
            and alerts.segment_value = scorecard.segment_value
            and alerts.opened_week = scorecard.week_start
    inner join scorecard as latest
        on
            alerts.kpi_name = latest.kpi_name
            and alerts.segment_type = latest.segment_type
            and alerts.segment_value = latest.segment_value
            and coalesce(alerts.closed_week, last_week.last_week_start) = latest.week_start
)

select * from final

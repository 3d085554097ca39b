{#
    One row per alert, opened and closed by the rule of macro
    kpi_alert_episodes (the one home of the rule, shared with the alert
    simulation of make alert-sim): a KPI x segment series whose status is
    off_track (the whole 95% interval past the threshold and the value past
    the at-risk margin) with at least alert_minimum_units units for
    alert_consecutive_weeks weeks in a row opens an alert in the week the
    run reaches that length; it closes in the first later on_track week, or
    when the series stops reporting for good (closed_reason).
    Both parameters are seeds (kpi_parameters), chosen by the simulation's
    false-positive and detection figures (README, Alerts).

    Each alert carries the evidence at its opening and in its last week
    (the closing week, or the last complete week while open): value, unit
    count, interval and evidence_past_threshold, by which the brief orders
    the alerts it shows.
#}

with

scorecard as (
    select * from {{ ref('fct_kpi_scorecard') }}
),

last_week as {{ cte_materialized() }} (
    select max(week_start) as last_week_start
    from scorecard
),

weekly_statuses as (
    select
        kpi_name,
        segment_type,
        segment_value,
        week_start,
        status,
        unit_count,
        {{ kpi_parameter('alert_consecutive_weeks') }} as alert_consecutive_weeks,
        {{ kpi_parameter('alert_minimum_units') }} as alert_minimum_units
    from scorecard
),

alerts as (
    {{ kpi_alert_episodes('weekly_statuses', ['kpi_name', 'segment_type', 'segment_value']) }}
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
        cast(alerts.closed_reason as {{ dbt.type_string() }}) as closed_reason,
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
        cast(scorecard.unit_count as integer) as unit_count_at_open,
        cast(scorecard.evidence_past_threshold as {{ dbt.type_float() }}) as evidence_at_open,
        cast(latest.value as {{ dbt.type_float() }}) as last_value,
        cast(latest.unit_count as integer) as last_unit_count,
        cast(latest.interval_lower as {{ dbt.type_float() }}) as last_interval_lower,
        cast(latest.interval_upper as {{ dbt.type_float() }}) as last_interval_upper,
        cast(latest.status as {{ dbt.type_string() }}) as last_status,
        cast(latest.evidence_past_threshold as {{ dbt.type_float() }}) as last_evidence_past_threshold,
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

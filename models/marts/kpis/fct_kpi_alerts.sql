{#
    One row per alert, of two kinds (alert_kind), both opened and closed by
    the rule of macro kpi_alert_episodes (the one home of the rule, shared
    with the alert simulation of make alert-sim):
    - kpi: on the scorecard's KPI value (fct_kpi_scorecard), a KPI x segment
      series whose status is off_track (the whole 95% interval past the
      threshold and the value past the at-risk margin) with at least
      alert_minimum_units units for alert_consecutive_weeks weeks in a row;
    - early_warning: on the early-warning series (fct_kpi_early_warning_weekly:
      the onboarding KPIs over their newest early_warning_cohort_weeks matured
      weekly cohorts, against the same threshold), off_track with at least
      early_warning_minimum_units units for early_warning_consecutive_weeks
      weeks in a row.
    An alert opens in the week the run reaches its length and closes in the
    first later on_track week of its series, or when the series stops
    reporting for good (closed_reason). The parameters are seeds
    (kpi_parameters), chosen by the simulations' false-alert and detection
    figures (README, Alerts).

    Each alert carries the evidence of its own series at its opening and in
    its last week (the closing week, or the last complete week while open):
    value, unit count, interval and evidence_past_threshold, by which the
    brief orders the alerts it shows.
#}

with

scorecard as (
    select * from {{ ref('fct_kpi_scorecard') }}
),

early_warning_weekly as (
    select * from {{ ref('fct_kpi_early_warning_weekly') }}
),

last_week as {{ cte_materialized() }} (
    select max(week_start) as last_week_start
    from scorecard
),

weekly_evidence as (
    {#- (alert kind, weekly series, its rule's parameters) -#}
    {%- for alert_kind, series, consecutive_weeks, minimum_units in [
        ('kpi', 'scorecard', 'alert_consecutive_weeks', 'alert_minimum_units'),
        ('early_warning', 'early_warning_weekly', 'early_warning_consecutive_weeks', 'early_warning_minimum_units'),
    ] %}
        select
            '{{ alert_kind }}' as alert_kind,
            kpi_name,
            kpi_label,
            segment_type,
            segment_value,
            week_start,
            status,
            value,
            unit_count,
            interval_lower,
            interval_upper,
            evidence_past_threshold,
            threshold,
            direction,
            owner,
            playbook_actions,
            {{ kpi_parameter(consecutive_weeks) }} as alert_consecutive_weeks,
            {{ kpi_parameter(minimum_units) }} as alert_minimum_units
        from {{ series }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

alerts as (
    {{ kpi_alert_episodes('weekly_evidence', ['alert_kind', 'kpi_name', 'segment_type', 'segment_value']) }}
),

final as (
    select
        cast(
            {{ dbt.hash(dbt.concat([
                'alerts.alert_kind', "'|'", 'alerts.kpi_name', "'|'", 'alerts.segment_type', "'|'",
                'alerts.segment_value', "'|'", 'cast(alerts.opened_week as ' ~ dbt.type_string() ~ ')',
            ])) }} as {{ dbt.type_string() }}
        ) as alert_id,
        cast(alerts.alert_kind as {{ dbt.type_string() }}) as alert_kind,
        cast(alerts.kpi_name as {{ dbt.type_string() }}) as kpi_name,
        cast(opened.kpi_label as {{ dbt.type_string() }}) as kpi_label,
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
        cast(opened.value as {{ dbt.type_float() }}) as value_at_open,
        cast(opened.unit_count as integer) as unit_count_at_open,
        cast(opened.evidence_past_threshold as {{ dbt.type_float() }}) as evidence_at_open,
        cast(latest.value as {{ dbt.type_float() }}) as last_value,
        cast(latest.unit_count as integer) as last_unit_count,
        cast(latest.interval_lower as {{ dbt.type_float() }}) as last_interval_lower,
        cast(latest.interval_upper as {{ dbt.type_float() }}) as last_interval_upper,
        cast(latest.status as {{ dbt.type_string() }}) as last_status,
        cast(latest.evidence_past_threshold as {{ dbt.type_float() }}) as last_evidence_past_threshold,
        cast(opened.threshold as {{ dbt.type_float() }}) as threshold,
        cast(opened.direction as {{ dbt.type_string() }}) as direction,
        cast(opened.owner as {{ dbt.type_string() }}) as owner,
        cast(opened.playbook_actions as {{ dbt.type_string() }}) as playbook_actions
    from alerts
    cross join last_week
    inner join weekly_evidence as opened
        on
            alerts.alert_kind = opened.alert_kind
            and alerts.kpi_name = opened.kpi_name
            and alerts.segment_type = opened.segment_type
            and alerts.segment_value = opened.segment_value
            and alerts.opened_week = opened.week_start
    inner join weekly_evidence as latest
        on
            alerts.alert_kind = latest.alert_kind
            and alerts.kpi_name = latest.kpi_name
            and alerts.segment_type = latest.segment_type
            and alerts.segment_value = latest.segment_value
            and coalesce(alerts.closed_week, last_week.last_week_start) = latest.week_start
)

select * from final

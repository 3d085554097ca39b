{#
    Alerts on the build's own data (the demo after make demo) under the
    previous rule and under the configured rule, both by the pipeline's
    macros: the previous rule judges the value alone (zero-width intervals
    on kpi_status_facts, at least 5 units, 2 consecutive off-track weeks);
    the configured rule is fct_kpi_alerts (configured_rule: both kinds;
    configured_rule_kpi and configured_rule_early_warning: each kind). One
    row per rule: alerts open after the last complete week, alerts opened
    over the whole history, and the open ones on segment all.
#}

with

scorecard as (
    select * from {{ ref('fct_kpi_scorecard') }}
),

configured_alerts as (
    select * from {{ ref('fct_kpi_alerts') }}
),

status_rules as (
    select * from {{ ref('kpi_status_rules') }}
),

value_basis as (
    select
        week_start,
        kpi_name,
        segment_type,
        segment_value,
        value,
        value as interval_lower,
        value as interval_upper,
        unit_count,
        threshold,
        direction,
        benchmark_low,
        benchmark_high
    from scorecard
),

value_statuses as (
    {{ kpi_status_from_rules(
        'value_basis', ['week_start', 'kpi_name', 'segment_type', 'segment_value'], 'status_rules'
    ) }}
),

previous_rule_weeks as (
    select
        kpi_name,
        segment_type,
        segment_value,
        week_start,
        status,
        unit_count,
        2 as alert_consecutive_weeks,
        5 as alert_minimum_units
    from value_statuses
),

previous_rule_alerts as (
    {{ kpi_alert_episodes('previous_rule_weeks', ['kpi_name', 'segment_type', 'segment_value']) }}
),

counted as (
    select
        'previous_rule' as alert_rule,
        sum(case when closed_week is null then 1 else 0 end) as open_alerts,
        count(*) as alerts_opened,
        sum(case when closed_week is null and segment_type = 'all' then 1 else 0 end) as open_alerts_on_all
    from previous_rule_alerts
    union all
    select
        'configured_rule' as alert_rule,
        sum(case when is_open then 1 else 0 end) as open_alerts,
        count(*) as alerts_opened,
        sum(case when is_open and segment_type = 'all' then 1 else 0 end) as open_alerts_on_all
    from configured_alerts
    union all
    select
        'configured_rule_' || alert_kind as alert_rule,
        sum(case when is_open then 1 else 0 end) as open_alerts,
        count(*) as alerts_opened,
        sum(case when is_open and segment_type = 'all' then 1 else 0 end) as open_alerts_on_all
    from configured_alerts
    group by alert_kind
),

final as (
    select
        cast(alert_rule as {{ dbt.type_string() }}) as alert_rule,
        cast(open_alerts as integer) as open_alerts,
        cast(alerts_opened as integer) as alerts_opened,
        cast(open_alerts_on_all as integer) as open_alerts_on_all
    from counted
)

select * from final

{#
    Alerts of every candidate rule (sim_alert_candidates) over every
    simulated series, by the same macro as fct_kpi_alerts
    (kpi_alert_episodes).
#}

with

statuses as (
    select * from {{ ref('sim_alert_statuses') }}
),

candidates as (
    select * from {{ ref('sim_alert_candidates') }}
),

weekly_statuses as (
    select
        statuses.simulation_run,
        statuses.scenario,
        candidates.candidate_rule,
        statuses.pair_id,
        statuses.week_start,
        statuses.status,
        statuses.unit_count,
        candidates.alert_consecutive_weeks,
        candidates.alert_minimum_units
    from statuses
    inner join candidates
        on statuses.status_basis = candidates.status_basis
),

alerts as (
    {{ kpi_alert_episodes('weekly_statuses', ['simulation_run', 'scenario', 'candidate_rule', 'pair_id']) }}
),

final as (
    select
        alerts.simulation_run,
        alerts.scenario,
        alerts.candidate_rule,
        alerts.pair_id,
        alerts.opened_week,
        alerts.closed_week
    from alerts
)

select * from final

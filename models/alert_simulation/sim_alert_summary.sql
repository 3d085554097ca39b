{#
    The figures of the alert simulation, per candidate rule and per KPI
    (kpi_name 'all KPIs' for the whole set):

    - false_alert_rate: in the no_change scenario (every true KPI on its
      threshold for alert_simulation_weeks weeks), the share of simulated
      KPI-segment pairs x runs with at least one alert opened; over all
      pairs, and over the pairs the rule lets alert (units >= its minimum);
    - detection_rate: in the drop scenario, among the pairs the rule lets
      alert and that have no alert open in the week before the drop, the
      share with an alert opened in the drop week or the 2 weeks after.
#}

{%- set weeks = var('alert_simulation_weeks') %}
{%- set drop_week = var('alert_simulation_drop_week') %}

with

pairs as (
    select * from {{ ref('sim_alert_pairs') }}
),

candidates as (
    select * from {{ ref('sim_alert_candidates') }}
),

episodes as (
    select * from {{ ref('sim_alert_episodes') }}
),

runs as (
    select distinct simulation_run
    from {{ ref('sim_alert_units') }}
),

series as (
    select
        candidates.candidate_rule,
        candidates.alert_consecutive_weeks,
        candidates.alert_minimum_units,
        runs.simulation_run,
        pairs.pair_id,
        pairs.kpi_name,
        pairs.units >= candidates.alert_minimum_units as can_alert
    from candidates
    cross join runs
    cross join pairs
),

outcomes as (
    select
        series.*,
        {#- (outcome, scenario, when its episode opened and closed) -#}
        {%- for outcome, scenario, opened_when in [
            ('has_false_alert', 'no_change', 'episodes.opened_week <= ' ~ weeks),
            ('is_open_before_drop', 'drop', 'episodes.opened_week < ' ~ drop_week
                ~ ' and coalesce(episodes.closed_week >= ' ~ drop_week ~ ', true)'),
            ('is_detected', 'drop', 'episodes.opened_week between ' ~ drop_week ~ ' and ' ~ (drop_week + 2)),
        ] %}
            exists (
                select 1
                from episodes
                where
                    episodes.scenario = '{{ scenario }}'
                    and episodes.candidate_rule = series.candidate_rule
                    and episodes.simulation_run = series.simulation_run
                    and episodes.pair_id = series.pair_id
                    and {{ opened_when }}
            ) as {{ outcome }}{{ ',' if not loop.last }}
        {%- endfor %}
    from series
),

grouped as (
    select
        candidate_rule,
        coalesce(kpi_name, 'all KPIs') as kpi_name,
        max(alert_consecutive_weeks) as alert_consecutive_weeks,
        max(alert_minimum_units) as alert_minimum_units,
        count(distinct pair_id) as pairs,
        count(distinct simulation_run) as runs,
        avg(case when can_alert then 1.0 else 0.0 end) as pair_share_that_can_alert,
        avg(case when has_false_alert then 1.0 else 0.0 end) as false_alert_rate,
        avg(case when can_alert then case when has_false_alert then 1.0 else 0.0 end end)
            as false_alert_rate_among_alertable,
        sum(case when can_alert and not is_open_before_drop then 1 else 0 end) as detection_trials,
        avg(case when can_alert and not is_open_before_drop then case when is_detected then 1.0 else 0.0 end end)
            as detection_rate
    from outcomes
    group by grouping sets ((candidate_rule), (candidate_rule, kpi_name))  -- noqa: PRS
),

final as (
    select * from grouped
)

select * from final

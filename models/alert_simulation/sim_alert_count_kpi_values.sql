{#
    The alert simulation's ticket_decline and performance_improvement:
    value, unit count and 95% interval per run x scenario x pair x simulated
    week, for sim_alert_kpi_values. Both KPIs are 1 - pooled post / pooled
    pre counts (linearized_ratio_sums / linearized_ratio_interval_bound, as
    in their KPI family): ticket_decline draws pre-window tickets
    ~ Poisson(baseline_rate_per_unit) and post-window tickets
    ~ Poisson(baseline x (1 - truth)); performance_improvement draws
    failures among alert_simulation_tasks_per_window tasks before (error
    rate baseline) and after (baseline x (1 - truth)), binomially. A unit's
    counts are the inverse cumulative distribution at its two uniform draws.
#}

{%- set weeks = var('alert_simulation_weeks') %}
{%- set count_kpis = "('" ~ var('alert_simulation_count_kpis') | join("', '") ~ "')" %}
{%- set drop_week = var('alert_simulation_drop_week') %}
{%- set tasks = var('alert_simulation_tasks_per_window') %}

with

pairs as (
    select * from {{ ref('sim_alert_pairs') }}
),

units as (
    select * from {{ ref('sim_alert_units') }}
),

series as (
    {{ integer_series(4) }}
),

unit_weeks as {{ cte_not_materialized() }} (
    {{ sim_alert_unit_weeks(weeks, drop_week) }}
    where pairs.kpi_name in {{ count_kpis }}
),

count_rates as (
    -- pre window: the baseline; post window: the baseline x (1 - the truth)
    select
        pairs.pair_id,
        pairs.kpi_name,
        distributions.distribution,
        pairs.baseline_rate_per_unit * case distributions.distribution
            when 'pre' then 1.0
            when 'post_threshold' then 1.0 - pairs.threshold
            else 1.0 - pairs.dropped_truth
        end as rate
    from pairs
    cross join (
        select 'pre' as distribution
        union all select 'post_threshold'
        union all select 'post_dropped'
    ) as distributions
    where pairs.kpi_name in {{ count_kpis }}
),

count_distributions as (
    -- P(X <= k): Poisson(rate) tickets, or Binomial(tasks, rate) failures
    select
        count_rates.pair_id,
        count_rates.distribution,
        series.series_value as outcome_count,
        sum(
            exp(
                case
                    when count_rates.kpi_name = 'ticket_decline'
                        then -count_rates.rate + series.series_value * ln(greatest(count_rates.rate, 1e-300))
                        - {{ log_gamma('series.series_value + 1.0') }}
                    else {{ log_gamma(tasks ~ ' + 1.0') }} - {{ log_gamma('series.series_value + 1.0') }}
                        - {{ log_gamma(tasks ~ ' - series.series_value + 1.0') }}
                        + series.series_value * ln(greatest(count_rates.rate, 1e-300))
                        + ({{ tasks }} - series.series_value) * ln(greatest(1.0 - count_rates.rate, 1e-300))
                end
            )
        ) over (
            partition by count_rates.pair_id, count_rates.distribution
            order by series.series_value
            rows between unbounded preceding and current row
        ) as cumulative_probability
    from count_rates
    inner join series
        on series.series_value <= case when count_rates.kpi_name = 'ticket_decline' then 200 else {{ tasks }} end
),

count_unit_weeks as (
    select
        simulation_run,
        scenario,
        pair_id,
        week_start,
        unit_key,
        first_uniform,
        second_uniform,
        case when is_dropped then 'post_dropped' else 'post_threshold' end as post_distribution
    from unit_weeks
),

count_units_drawn as (
    -- each window's count is the inverse cumulative distribution at the unit's draw
    -- (pre: the first, post: the second)
    select
        count_unit_weeks.simulation_run,
        count_unit_weeks.scenario,
        count_unit_weeks.pair_id,
        count_unit_weeks.week_start,
        count_unit_weeks.unit_key,
        min(case
            when
                count_distributions.distribution = 'pre'
                and count_distributions.cumulative_probability > count_unit_weeks.first_uniform
                then count_distributions.outcome_count
        end) as pre_count,
        min(case
            when
                count_distributions.distribution = count_unit_weeks.post_distribution
                and count_distributions.cumulative_probability > count_unit_weeks.second_uniform
                then count_distributions.outcome_count
        end) as post_count
    from count_unit_weeks
    inner join count_distributions
        on
            count_unit_weeks.pair_id = count_distributions.pair_id
            and count_distributions.distribution in ('pre', count_unit_weeks.post_distribution)
    group by 1, 2, 3, 4, 5
),

count_units as (
    -- a draw past the truncated tail of either distribution has no count: the unit is left out
    select *
    from count_units_drawn
    where pre_count is not null and post_count is not null
),

count_ratio_sums as (
    -- both KPIs are 1 - pooled post / pooled pre (the task counts are equal before and after)
    select
        simulation_run,
        scenario,
        pair_id,
        week_start,
        {{ linearized_ratio_sums(['post_count', 'pre_count']) }}
    from count_units
    group by 1, 2, 3, 4
),

count_ratio_intervals as (
    select
        simulation_run,
        scenario,
        pair_id,
        week_start,
        1 - cast(linearized_sum_1 as {{ dbt.type_float() }}) / nullif(cast(linearized_sum_2 as {{ dbt.type_float() }}), 0) as value,
        linearized_units as unit_count,
        1 - {{ linearized_ratio_interval_bound([1, -1], 'upper') }} as interval_lower,
        1 - {{ linearized_ratio_interval_bound([1, -1], 'lower', lowest='0.0') }} as interval_upper
    from count_ratio_sums
),

final as (
    select * from count_ratio_intervals
)

select * from final

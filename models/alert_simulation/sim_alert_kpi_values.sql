{#
    The value, unit count and 95% interval of every simulated pair x run x
    scenario x week, computed by the same interval macros as the KPI
    families (wilson_interval_bound, median_order_statistic_interval,
    linearized_ratio_sums / linearized_ratio_interval_bound,
    linearized_ratio_sums / linearized_ratio_interval_bound).

    Scenario no_change: the truth is the pair's threshold in every week.
    Scenario drop: from week alert_simulation_drop_week on, the truth is the
    pair's dropped_truth. A unit's outcome in a week follows that week's
    truth from its fixed uniform draws, by the KPI's interval method:
    - wilson: a success when the first draw is below the true proportion;
    - median_order_statistic: truth x Exp(1) / ln 2 (an exponential
      distribution whose median is the truth) at the first draw;
    - linearized_ratio_t, means and ratios: truth + unit_standard_deviation
      x a standard normal (Box-Muller on the two draws);
    - linearized_ratio_t, counts: ticket_decline draws pre-window tickets
      ~ Poisson(baseline_rate_per_unit) and post-window tickets
      ~ Poisson(baseline x (1 - truth)); performance_improvement draws
      failures among alert_simulation_tasks_per_window tasks before
      (error rate baseline) and after (baseline x (1 - truth)), binomially.
#}

{%- set weeks = var('alert_simulation_weeks') %}
{%- set drop_week = var('alert_simulation_drop_week') %}
{%- set tasks = var('alert_simulation_tasks_per_window') %}
{%- set keys = ['simulation_run', 'scenario', 'pair_id', 'week_start'] %}

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

scenarios as (
    select 'no_change' as scenario
    union all
    select 'drop' as scenario
),

unit_weeks as {{ cte_not_materialized() }} (
    -- read once per method with its filter pushed down, never materialised (tens of millions of rows)
    select
        units.simulation_run,
        scenarios.scenario,
        units.pair_id,
        units.unit_key,
        units.batch_week + series.series_value as week_start,
        units.first_uniform,
        units.second_uniform,
        pairs.interval_method,
        pairs.kpi_name,
        pairs.unit_standard_deviation,
        case
            when scenarios.scenario = 'drop' and units.batch_week + series.series_value >= {{ drop_week }}
                then pairs.dropped_truth
            else pairs.threshold
        end as truth,
        scenarios.scenario = 'drop' and units.batch_week + series.series_value >= {{ drop_week }} as is_dropped
    from units
    inner join pairs
        on units.pair_id = pairs.pair_id
    cross join scenarios
    inner join series
        on
            series.series_value < units.overlap_weeks
            and units.batch_week + series.series_value between 1 and {{ weeks }}
),

----------  wilson: proportions

wilson_values as (
    select
        simulation_run,
        scenario,
        pair_id,
        week_start,
        sum(case when first_uniform < truth then 1 else 0 end) as successes,
        count(*) as trials
    from unit_weeks
    where interval_method = 'wilson'
    group by 1, 2, 3, 4
),

wilson_intervals as (
    select
        simulation_run,
        scenario,
        pair_id,
        week_start,
        cast(successes as {{ dbt.type_float() }}) / trials as value,
        cast(trials as integer) as unit_count,
        {{ wilson_interval_bound('successes', 'trials', 'lower') }} as interval_lower,
        {{ wilson_interval_bound('successes', 'trials', 'upper') }} as interval_upper
    from wilson_values
),

----------  median_order_statistic: medians

median_units as (
    select
        simulation_run,
        scenario,
        pair_id,
        week_start,
        truth * -ln(1.0 - first_uniform) / ln(2.0) as unit_value
    from unit_weeks
    where interval_method = 'median_order_statistic'
),

median_frequencies as (
    select
        simulation_run,
        scenario,
        pair_id,
        week_start,
        unit_value,
        count(*) as units
    from median_units
    group by 1, 2, 3, 4, 5
),

median_cumulated as (
    select
        *,
        sum(units) over (
            partition by simulation_run, scenario, pair_id, week_start
            order by unit_value
            rows between unbounded preceding and current row
        ) as cumulative_units,
        sum(units) over (partition by simulation_run, scenario, pair_id, week_start) as unit_count
    from median_frequencies
),

median_bounds as (
    {{ median_order_statistic_interval('median_frequencies', keys) }}
),

median_values as (
    -- the median from the frequency table: the mean of the order statistics at ranks
    -- floor((n + 1) / 2) and ceil((n + 1) / 2), as percentile_cont(0.5)
    select
        median_cumulated.simulation_run,
        median_cumulated.scenario,
        median_cumulated.pair_id,
        median_cumulated.week_start,
        (
            min(case when median_cumulated.cumulative_units >= floor((median_cumulated.unit_count + 1) / 2.0)
                then median_cumulated.unit_value end)
            + min(case when median_cumulated.cumulative_units >= ceil((median_cumulated.unit_count + 1) / 2.0)
                then median_cumulated.unit_value end)
        ) / 2.0 as value
    from median_cumulated
    group by 1, 2, 3, 4
),

median_intervals as (
    select
        median_values.simulation_run,
        median_values.scenario,
        median_values.pair_id,
        median_values.week_start,
        median_values.value,
        median_bounds.unit_count,
        median_bounds.interval_lower,
        median_bounds.interval_upper
    from median_values
    inner join median_bounds
        on
            median_values.simulation_run = median_bounds.simulation_run
            and median_values.scenario = median_bounds.scenario
            and median_values.pair_id = median_bounds.pair_id
            and median_values.week_start = median_bounds.week_start
),

----------  linearized_ratio_t: means

linearized_sums as (
    select
        simulation_run,
        scenario,
        pair_id,
        week_start,
        {{ linearized_ratio_sums([
            'truth + unit_standard_deviation * sqrt(-2.0 * ln(greatest(first_uniform, 1e-300)))'
            ~ ' * cos(2.0 * 3.141592653589793 * second_uniform)',
            '1',
        ]) }}
    from unit_weeks
    where interval_method = 'linearized_ratio_t' and kpi_name not in ('ticket_decline', 'performance_improvement')
    group by 1, 2, 3, 4
),

linearized_intervals as (
    select
        simulation_run,
        scenario,
        pair_id,
        week_start,
        cast(linearized_sum_1 as {{ dbt.type_float() }}) / cast(linearized_sum_2 as {{ dbt.type_float() }}) as value,
        linearized_units as unit_count,
        {{ linearized_ratio_interval_bound([1, -1], 'lower') }} as interval_lower,
        {{ linearized_ratio_interval_bound([1, -1], 'upper') }} as interval_upper
    from linearized_sums
),

----------  linearized_ratio_t over counts: ticket_decline and performance_improvement

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
    where pairs.kpi_name in ('ticket_decline', 'performance_improvement')
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
    where kpi_name in ('ticket_decline', 'performance_improvement')
),

pre_counts as (
    select
        count_unit_weeks.simulation_run,
        count_unit_weeks.scenario,
        count_unit_weeks.pair_id,
        count_unit_weeks.week_start,
        count_unit_weeks.unit_key,
        min(count_distributions.outcome_count) as pre_count
    from count_unit_weeks
    inner join count_distributions
        on
            count_unit_weeks.pair_id = count_distributions.pair_id
            and count_distributions.distribution = 'pre'
            and count_distributions.cumulative_probability > count_unit_weeks.first_uniform
    group by 1, 2, 3, 4, 5
),

post_counts as (
    select
        count_unit_weeks.simulation_run,
        count_unit_weeks.scenario,
        count_unit_weeks.pair_id,
        count_unit_weeks.week_start,
        count_unit_weeks.unit_key,
        min(count_distributions.outcome_count) as post_count
    from count_unit_weeks
    inner join count_distributions
        on
            count_unit_weeks.pair_id = count_distributions.pair_id
            and count_unit_weeks.post_distribution = count_distributions.distribution
            and count_distributions.cumulative_probability > count_unit_weeks.second_uniform
    group by 1, 2, 3, 4, 5
),

count_units as (
    select
        pre_counts.simulation_run,
        pre_counts.scenario,
        pre_counts.pair_id,
        pre_counts.week_start,
        pre_counts.unit_key,
        pre_counts.pre_count,
        post_counts.post_count
    from pre_counts
    inner join post_counts
        on
            pre_counts.simulation_run = post_counts.simulation_run
            and pre_counts.scenario = post_counts.scenario
            and pre_counts.pair_id = post_counts.pair_id
            and pre_counts.week_start = post_counts.week_start
            and pre_counts.unit_key = post_counts.unit_key
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

unioned as (
    select * from wilson_intervals
    union all
    select * from median_intervals
    union all
    select * from linearized_intervals
    union all
    select * from count_ratio_intervals
),

final as (
    select
        cast(simulation_run as integer) as simulation_run,
        cast(scenario as {{ dbt.type_string() }}) as scenario,
        cast(pair_id as integer) as pair_id,
        cast(week_start as integer) as week_start,
        cast(value as {{ dbt.type_float() }}) as value,
        cast(unit_count as integer) as unit_count,
        cast(interval_lower as {{ dbt.type_float() }}) as interval_lower,
        cast(interval_upper as {{ dbt.type_float() }}) as interval_upper
    from unioned
)

select * from final

{#
    The value, unit count and 95% interval of every simulated pair x run x
    scenario x week, computed by the same interval macros as the KPI
    families (wilson_interval_bound, median_order_statistic_interval,
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
    - linearized_ratio_t, counts (ticket_decline, performance_improvement):
      in sim_alert_count_kpi_values, unioned here.
#}

{%- set weeks = var('alert_simulation_weeks') %}
{%- set count_kpis = "('" ~ var('alert_simulation_count_kpis') | join("', '") ~ "')" %}
{%- set drop_week = var('alert_simulation_drop_week') %}
{%- set keys = ['simulation_run', 'scenario', 'pair_id', 'week_start'] %}

with

pairs as (
    select * from {{ ref('sim_alert_pairs') }}
),

units as (
    select * from {{ ref('sim_alert_units') }}
),

count_kpi_values as (
    select * from {{ ref('sim_alert_count_kpi_values') }}
),

series as (
    {{ integer_series(4) }}
),

unit_weeks as {{ cte_not_materialized() }} (
    -- read once per method with its filter pushed down, never materialised (tens of millions of rows)
    {{ sim_alert_unit_weeks(weeks, drop_week) }}
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
    where interval_method = 'linearized_ratio_t' and kpi_name not in {{ count_kpis }}
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

unioned as (
    select * from wilson_intervals
    union all
    select * from median_intervals
    union all
    select * from linearized_intervals
    union all
    select * from count_kpi_values
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

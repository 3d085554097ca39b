{#
    Every simulated unit in every week it stays, in both scenarios, with the
    week's true KPI value: the pair's threshold, or from week `drop_week` on
    in scenario `drop` its dropped_truth. The one home of the scenarios'
    truth for the alert simulation's value models (sim_alert_kpi_values,
    sim_alert_count_kpi_values), which filter it to their interval methods.
    Reads the calling model's import CTEs `units` (sim_alert_units) and
    `pairs` (sim_alert_pairs) and its CTE `series` (integer_series).
    Render it inside cte_not_materialized(): tens of millions of rows, read
    once per method with its filter pushed down.
#}
{% macro sim_alert_unit_weeks(weeks, drop_week) -%}
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
    cross join (
        select 'no_change' as scenario
        union all
        select 'drop' as scenario
    ) as scenarios
    inner join series
        on
            series.series_value < units.overlap_weeks
            and units.batch_week + series.series_value between 1 and {{ weeks }}
{%- endmacro %}

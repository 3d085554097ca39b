{#
    The simulated units: for each run (1 .. alert_simulation_runs) and pair
    of sim_alert_pairs, batches of units whose outcomes stay in the pair's
    value for overlap_weeks consecutive weeks, so that every simulated week
    1 .. alert_simulation_weeks holds exactly the pair's real unit count
    (batch b enters in week b and leaves after week b + overlap_weeks - 1;
    a rolling-cohort KPI renews 1/13 of its units a week, a weekly KPI all of
    them). Each unit carries two uniform draws from uniform_from_text, so
    the same runs give the same units; the no-change and the drop scenario
    share them (common random numbers), so the drop is the only difference.
#}

with

pairs as (
    select * from {{ ref('sim_alert_pairs') }}
),

series as (
    {{ integer_series(4) }}
),

runs as (
    select series_value as simulation_run
    from series
    where series_value between 1 and {{ var('alert_simulation_runs') }}
),

batches as (
    select
        runs.simulation_run,
        pairs.pair_id,
        pairs.overlap_weeks,
        series.series_value - pairs.overlap_weeks + 2 as batch_week,
        -- spread the units evenly over the overlap_weeks batches of any week
        cast(floor(pairs.units / pairs.overlap_weeks) as integer)
        + case
            when mod(series.series_value, pairs.overlap_weeks) < mod(pairs.units, pairs.overlap_weeks) then 1
            else 0
        end as batch_units
    from runs
    cross join pairs
    inner join series
        on series.series_value < {{ var('alert_simulation_weeks') }} + pairs.overlap_weeks - 1
),

units as (
    select
        batches.simulation_run,
        batches.pair_id,
        batches.batch_week,
        batches.overlap_weeks,
        series.series_value as unit_index,
        cast(batches.simulation_run as {{ dbt.type_string() }}) || '|' || cast(batches.pair_id as {{ dbt.type_string() }}) || '|'
        || cast(batches.batch_week as {{ dbt.type_string() }}) || '|' || cast(series.series_value as {{ dbt.type_string() }}) as unit_key
    from batches
    inner join series
        on series.series_value < batches.batch_units
),

final as (
    select
        simulation_run,
        pair_id,
        batch_week,
        overlap_weeks,
        unit_index,
        unit_key,
        {{ uniform_from_text("'alert_simulation|first|' || unit_key") }} as first_uniform,
        {{ uniform_from_text("'alert_simulation|second|' || unit_key") }} as second_uniform
    from units
)

select * from final

{#
    The scorecard status of every simulated value, by the same macros and
    seed as fct_kpi_scorecard (kpi_status_facts, kpi_status_from_rules,
    kpi_status_rules), on two bases:
    - interval: the rule of this project (the value's 95% interval);
    - value: the rule before intervals, reproduced by giving every value a
      zero-width interval, so off_track means the value alone is past the
      at-risk margin (and small_sample only fewer than min_sample_size
      units), as the scorecard decided before.
#}

with

kpi_values as (
    select * from {{ ref('sim_alert_kpi_values') }}
),

pairs as (
    select * from {{ ref('sim_alert_pairs') }}
),

status_rules as (
    select * from {{ ref('kpi_status_rules') }}
),

status_bases as (
    select 'interval' as status_basis
    union all
    select 'value' as status_basis
),

based as (
    select
        kpi_values.simulation_run,
        kpi_values.scenario,
        kpi_values.pair_id,
        kpi_values.week_start,
        status_bases.status_basis,
        kpi_values.value,
        kpi_values.unit_count,
        case when status_bases.status_basis = 'value' then kpi_values.value else kpi_values.interval_lower end
            as interval_lower,
        case when status_bases.status_basis = 'value' then kpi_values.value else kpi_values.interval_upper end
            as interval_upper,
        pairs.threshold,
        pairs.direction,
        pairs.benchmark_low,
        pairs.benchmark_high
    from kpi_values
    inner join pairs
        on kpi_values.pair_id = pairs.pair_id
    cross join status_bases
),

statused as (
    {{ kpi_status_from_rules(
        'based',
        ['simulation_run', 'scenario', 'pair_id', 'week_start', 'status_basis'],
        'status_rules',
    ) }}
),

final as (
    select
        simulation_run,
        scenario,
        pair_id,
        week_start,
        status_basis,
        value,
        unit_count,
        interval_lower,
        interval_upper,
        status
    from statused
)

select * from final

{#
    How often the simulated 95% intervals cover the truth, per KPI: in the
    no_change scenario every simulated value's truth is its pair's
    threshold, so the share of values whose interval contains the threshold
    is the interval's coverage at the real unit counts (values without an
    interval are left out and counted). A check of the analytic intervals
    (Student t, linearised ratios) where the data are not normal.
#}

with

kpi_values as (
    select * from {{ ref('sim_alert_kpi_values') }}
),

pairs as (
    select * from {{ ref('sim_alert_pairs') }}
),

joined as (
    select
        pairs.kpi_name,
        pairs.interval_method,
        kpi_values.unit_count,
        kpi_values.interval_lower,
        kpi_values.interval_upper,
        pairs.threshold
    from kpi_values
    inner join pairs
        on kpi_values.pair_id = pairs.pair_id
    where kpi_values.scenario = 'no_change'
),

final as (
    select
        coalesce(kpi_name, 'all KPIs') as kpi_name,
        max(case when kpi_name is not null then interval_method end) as interval_method,
        count(*) as simulated_values,
        sum(case when interval_lower is null or interval_upper is null then 1 else 0 end) as values_without_interval,
        avg(
            case
                when interval_lower is not null and interval_upper is not null
                    then case when threshold between interval_lower and interval_upper then 1.0 else 0.0 end
            end
        ) as coverage,
        avg(
            case
                when unit_count >= {{ kpi_parameter('min_sample_size') }}
                    and interval_lower is not null and interval_upper is not null
                    then case when threshold between interval_lower and interval_upper then 1.0 else 0.0 end
            end
        ) as coverage_from_minimum_sample
    from joined
    group by grouping sets ((kpi_name), ())  -- noqa: PRS
)

select * from final

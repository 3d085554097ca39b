{#
    The KPI x segment pairs the alert simulation replays, one row each, from
    the build's own scorecard (the demo data after make demo): every pair
    with a value in the last 13 weeks, with its real unit count (the median
    over those weeks), its threshold and band (of the last week), its
    interval method and how long a unit stays in its value
    (simulation_overlap_weeks), and the noise parameters of its units:

    - linearized_ratio_t: unit_standard_deviation = standard error x
      sqrt(units), the standard error taken from the real interval
      ((upper - lower) / 2 / t), so simulated means have the real noise;
    - ticket_decline and performance_improvement, simulated as counts:
      baseline_rate_per_unit = the pair's pooled pre
      window count per unit (Tier-1 tickets per tenant) for ticket_decline,
      the pooled pre-window task error rate for performance_improvement.

    The truth of every pair is its threshold (the hardest on-track truth);
    the planted drop moves it alert_simulation_drop_share x |threshold| to
    the wrong side.
#}

with

scorecard as (
    select * from {{ ref('fct_kpi_scorecard') }}
),

interval_methods as (
    select * from {{ ref('kpi_interval_methods') }}
),

last_week as (
    select max(week_start) as last_week_start
    from scorecard
),

recent_weeks as (
    select scorecard.*
    from scorecard
    cross join last_week
    where
        scorecard.week_start > cast({{ dbt.dateadd('day', -91, 'last_week.last_week_start') }} as date)
        and scorecard.value is not null
        and scorecard.unit_count > 0
),

recent_noise as (
    {%- set unit_standard_deviation -%}
        case
            when interval_method = 'linearized_ratio_t' and unit_count >= 2
                then (interval_upper - interval_lower) / 2.0
                / ({{ student_t_critical_value('unit_count - 1') }})
                * sqrt(cast(unit_count as {{ dbt.type_float() }}))
        end
    {%- endset %}
    {%- set baseline_rate_per_unit -%}
        case
            when kpi_name = 'ticket_decline' then denominator / unit_count
            when kpi_name = 'performance_improvement' then denominator
        end
    {%- endset %}
    select
        kpi_name,
        segment_type,
        segment_value,
        cast({{ round_to(median('unit_count'), 0) }} as integer) as units,
        {{ median(unit_standard_deviation) }} as unit_standard_deviation,
        {{ median(baseline_rate_per_unit) }} as baseline_rate_per_unit
    from recent_weeks
    group by 1, 2, 3
),

latest_bands as (
    select
        scorecard.kpi_name,
        scorecard.segment_type,
        scorecard.segment_value,
        scorecard.direction,
        scorecard.threshold,
        scorecard.benchmark_low,
        scorecard.benchmark_high
    from scorecard
    inner join last_week
        on scorecard.week_start = last_week.last_week_start
    where scorecard.threshold is not null
),

final as (
    select
        row_number() over (
            order by recent_noise.kpi_name, recent_noise.segment_type, recent_noise.segment_value
        ) as pair_id,
        recent_noise.kpi_name,
        recent_noise.segment_type,
        recent_noise.segment_value,
        latest_bands.direction,
        interval_methods.interval_method,
        interval_methods.simulation_overlap_weeks as overlap_weeks,
        recent_noise.units,
        latest_bands.threshold,
        latest_bands.benchmark_low,
        latest_bands.benchmark_high,
        case
            when latest_bands.direction = 'higher_is_better'
                then latest_bands.threshold - {{ kpi_parameter('alert_simulation_drop_share') }}
                * abs(latest_bands.threshold)
            else latest_bands.threshold + {{ kpi_parameter('alert_simulation_drop_share') }}
                * abs(latest_bands.threshold)
        end as dropped_truth,
        recent_noise.unit_standard_deviation,
        recent_noise.baseline_rate_per_unit
    from recent_noise
    inner join latest_bands
        on
            recent_noise.kpi_name = latest_bands.kpi_name
            and recent_noise.segment_type = latest_bands.segment_type
            and recent_noise.segment_value = latest_bands.segment_value
    inner join interval_methods
        on recent_noise.kpi_name = interval_methods.kpi_name
)

select * from final

{#
    The executive scorecard: one row per week x KPI x segment of
    fct_kpi_weekly, with the value's unit count and 95% interval, the KPI's
    threshold band, a status that respects the interval, week-over-week and
    4-week changes called only when larger than their noise, owner,
    business outcome, decision point and playbook.

    Band (benchmark_low / benchmark_high):
    - KPIs whose benchmark_source is industry_benchmarks: the band of
      int_kpi_benchmark_bands_blended (an industry segment's own band, or
      the tenant-weighted blend of the industry bands for other segments).
    - other KPIs: the kpi_targets band (int_kpi_catalog_joined), the same
      for every segment.
    Threshold: the band's low end for higher_is_better KPIs, its high end for
    lower_is_better KPIs.
    Status: the first matching rule of seed kpi_status_rules over the facts
    of macro kpi_status_facts (no_data, small_sample, no_target, on_track,
    at_risk, off_track when the whole interval lies past the threshold,
    possibly_off_track when the value is past the at-risk margin but the
    interval still reaches the threshold).
    Changes: value - the value 1 and 4 weeks before, with a direction (up,
    down, within_noise) from macro kpi_change_direction.
#}

with

kpi_weekly as (
    select * from {{ ref('fct_kpi_weekly') }}
),

kpis as (
    select * from {{ ref('int_kpi_catalog_joined') }}
),

benchmark_bands as (
    select * from {{ ref('int_kpi_benchmark_bands_blended') }}
),

status_rules as (
    select * from {{ ref('kpi_status_rules') }}
),

banded as (
    select
        kpi_weekly.week_start,
        kpi_weekly.kpi_name,
        kpis.kpi_label,
        kpi_weekly.segment_type,
        kpi_weekly.segment_value,
        kpis.unit,
        kpis.direction,
        kpi_weekly.value,
        kpi_weekly.numerator,
        kpi_weekly.denominator,
        kpi_weekly.unit_count,
        kpi_weekly.interval_lower,
        kpi_weekly.interval_upper,
        kpi_weekly.interval_method,
        kpis.benchmark_source,
        case
            when kpis.benchmark_source = 'kpi_targets' then kpis.target_low
            else benchmark_bands.band_low
        end as benchmark_low,
        case
            when kpis.benchmark_source = 'kpi_targets' then kpis.target_high
            else benchmark_bands.band_high
        end as benchmark_high,
        case
            when kpis.benchmark_source = 'kpi_targets' then 'target (kpi_targets)'
            when kpi_weekly.segment_type = 'industry' then benchmark_bands.industry_label
            else 'tenant-weighted blend of industry bands'
        end as benchmark_label,
        kpis.owner,
        kpis.business_outcome,
        kpis.decision_point,
        kpis.playbook_actions
    from kpi_weekly
    inner join kpis
        on kpi_weekly.kpi_name = kpis.kpi_name
    left join benchmark_bands
        on
            kpi_weekly.week_start = benchmark_bands.week_start
            and kpi_weekly.kpi_name = benchmark_bands.kpi_name
            and kpi_weekly.segment_type = benchmark_bands.segment_type
            and kpi_weekly.segment_value = benchmark_bands.segment_value
),

thresholded as (
    select
        *,
        case
            when direction = 'higher_is_better' then benchmark_low
            else benchmark_high
        end as threshold
    from banded
),

statused as (
    {{ kpi_status_from_rules(
        'thresholded', ['week_start', 'kpi_name', 'segment_type', 'segment_value'], 'status_rules'
    ) }}
),

lagged as (
    select
        *,
        {%- for weeks_back, suffix in [(1, 'prior_week'), (4, '4_weeks_before')] %}
            {%- for column in ['value', 'interval_lower', 'interval_upper'] %}
                lag({{ column }}, {{ weeks_back }}) over (
                    partition by kpi_name, segment_type, segment_value
                    order by week_start
                ) as {{ column }}_{{ suffix }},
            {%- endfor %}
        {%- endfor %}
        -- a run of off_track weeks starts after each row that is not off_track
        sum(case when status = 'off_track' then 0 else 1 end) over (
            partition by kpi_name, segment_type, segment_value
            order by week_start
            rows between unbounded preceding and current row
        ) as status_run_id
    from statused
),

final as (
    select
        cast(week_start as date) as week_start,
        cast(kpi_name as {{ dbt.type_string() }}) as kpi_name,
        cast(kpi_label as {{ dbt.type_string() }}) as kpi_label,
        cast(segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(segment_value as {{ dbt.type_string() }}) as segment_value,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(direction as {{ dbt.type_string() }}) as direction,
        cast(value as {{ dbt.type_float() }}) as value,
        cast(numerator as {{ dbt.type_float() }}) as numerator,
        cast(denominator as {{ dbt.type_float() }}) as denominator,
        cast(unit_count as integer) as unit_count,
        cast(interval_lower as {{ dbt.type_float() }}) as interval_lower,
        cast(interval_upper as {{ dbt.type_float() }}) as interval_upper,
        cast(interval_method as {{ dbt.type_string() }}) as interval_method,
        cast(benchmark_source as {{ dbt.type_string() }}) as benchmark_source,
        cast(benchmark_low as {{ dbt.type_float() }}) as benchmark_low,
        cast(benchmark_high as {{ dbt.type_float() }}) as benchmark_high,
        cast(benchmark_label as {{ dbt.type_string() }}) as benchmark_label,
        cast(threshold as {{ dbt.type_float() }}) as threshold,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(status_reason as {{ dbt.type_string() }}) as status_reason,
        cast(evidence_past_threshold as {{ dbt.type_float() }}) as evidence_past_threshold,
        cast(value_prior_week as {{ dbt.type_float() }}) as value_prior_week,
        cast(value - value_prior_week as {{ dbt.type_float() }}) as change_vs_prior_week,
        cast(
            {{ kpi_change_direction(
                'value', 'interval_lower', 'interval_upper',
                'value_prior_week', 'interval_lower_prior_week', 'interval_upper_prior_week',
            ) }} as {{ dbt.type_string() }}
        ) as change_vs_prior_week_direction,
        cast(value_4_weeks_before as {{ dbt.type_float() }}) as value_4_weeks_before,
        cast(value - value_4_weeks_before as {{ dbt.type_float() }}) as change_vs_4_weeks,
        cast(
            {{ kpi_change_direction(
                'value', 'interval_lower', 'interval_upper',
                'value_4_weeks_before', 'interval_lower_4_weeks_before', 'interval_upper_4_weeks_before',
            ) }} as {{ dbt.type_string() }}
        ) as change_vs_4_weeks_direction,
        cast(
            case
                when status = 'off_track'
                    then sum(case when status = 'off_track' then 1 else 0 end) over (
                        partition by kpi_name, segment_type, segment_value, status_run_id
                        order by week_start
                        rows between unbounded preceding and current row
                    )
                else 0
            end as integer
        ) as consecutive_off_track_weeks,
        cast(owner as {{ dbt.type_string() }}) as owner,
        cast(business_outcome as {{ dbt.type_string() }}) as business_outcome,
        cast(decision_point as {{ dbt.type_string() }}) as decision_point,
        cast(playbook_actions as {{ dbt.type_string() }}) as playbook_actions
    from lagged
)

select * from final

{#
    The early-warning series: one row per week x KPI x segment of the
    onboarding KPI family, the KPI over its newest early_warning_cohort_weeks
    matured weekly cohorts (int_kpi_early_warning_computed), judged against
    the scorecard's threshold of the same week, KPI and segment by the same
    status rule (macros kpi_status_facts and kpi_status_from_rules, seed
    kpi_status_rules). fct_kpi_alerts opens early-warning alerts from these
    statuses (alert_kind = early_warning).

    The 13-week KPI takes a change in the users who start now in one weekly
    cohort at a time; this series takes it in early_warning_cohort_weeks
    weeks, on fewer units (a wider interval).
#}

with

early_warning_values as (
    select * from {{ ref('int_kpi_early_warning_computed') }}
),

scorecard as (
    select * from {{ ref('fct_kpi_scorecard') }}
),

status_rules as (
    select * from {{ ref('kpi_status_rules') }}
),

early_warning_kpis as (
    select distinct kpi_name
    from early_warning_values
),

thresholded as (
    -- every week of the scorecard's series, so that a week without matured units is no_data
    -- (the alert rule counts consecutive weeks by rows)
    select
        scorecard.week_start,
        scorecard.kpi_name,
        scorecard.kpi_label,
        scorecard.segment_type,
        scorecard.segment_value,
        scorecard.unit,
        scorecard.direction,
        early_warning_values.value,
        early_warning_values.numerator,
        early_warning_values.denominator,
        early_warning_values.unit_count,
        early_warning_values.interval_lower,
        early_warning_values.interval_upper,
        scorecard.interval_method,
        scorecard.benchmark_low,
        scorecard.benchmark_high,
        scorecard.threshold,
        scorecard.value as kpi_value,
        scorecard.unit_count as kpi_unit_count,
        scorecard.status as kpi_status,
        scorecard.owner,
        scorecard.playbook_actions
    from scorecard
    inner join early_warning_kpis
        on scorecard.kpi_name = early_warning_kpis.kpi_name
    left join early_warning_values
        on
            scorecard.week_start = early_warning_values.week_start
            and scorecard.kpi_name = early_warning_values.kpi_name
            and scorecard.segment_type = early_warning_values.segment_type
            and scorecard.segment_value = early_warning_values.segment_value
),

statused as (
    {{ kpi_status_from_rules(
        'thresholded', ['week_start', 'kpi_name', 'segment_type', 'segment_value'], 'status_rules'
    ) }}
),

final as (
    select
        cast(week_start as date) as week_start,
        cast(kpi_name as {{ dbt.type_string() }}) as kpi_name,
        cast(kpi_label as {{ dbt.type_string() }}) as kpi_label,
        cast(segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(segment_value as {{ dbt.type_string() }}) as segment_value,
        cast({{ kpi_parameter('early_warning_cohort_weeks') }} as integer) as cohort_weeks,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(direction as {{ dbt.type_string() }}) as direction,
        cast(value as {{ dbt.type_float() }}) as value,
        cast(numerator as {{ dbt.type_float() }}) as numerator,
        cast(denominator as {{ dbt.type_float() }}) as denominator,
        cast(unit_count as integer) as unit_count,
        cast(interval_lower as {{ dbt.type_float() }}) as interval_lower,
        cast(interval_upper as {{ dbt.type_float() }}) as interval_upper,
        cast(interval_method as {{ dbt.type_string() }}) as interval_method,
        cast(benchmark_low as {{ dbt.type_float() }}) as benchmark_low,
        cast(benchmark_high as {{ dbt.type_float() }}) as benchmark_high,
        cast(threshold as {{ dbt.type_float() }}) as threshold,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(status_reason as {{ dbt.type_string() }}) as status_reason,
        cast(evidence_past_threshold as {{ dbt.type_float() }}) as evidence_past_threshold,
        cast(kpi_value as {{ dbt.type_float() }}) as kpi_value,
        cast(kpi_unit_count as integer) as kpi_unit_count,
        cast(kpi_status as {{ dbt.type_string() }}) as kpi_status,
        cast(owner as {{ dbt.type_string() }}) as owner,
        cast(playbook_actions as {{ dbt.type_string() }}) as playbook_actions
    from statused
)

select * from final

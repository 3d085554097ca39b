{#
    The early-warning series of the onboarding KPI family: each KPI over the
    newest matured weekly cohorts only, one row per complete week x KPI x
    segment. A unit counts once its observation window has closed (its
    outcome cannot change any more), in the week it closed and the
    early_warning_cohort_weeks - 1 weeks after: the scorecard's rolling
    cohort (rolling_cohort_weeks) cut to its newest weeks. A change in the
    users who start now therefore reaches this series in
    early_warning_cohort_weeks weeks, where the 13-week KPI takes 13.

    Same values as int_kpi_onboarding_computed (macro
    onboarding_kpis_over_cohort), on fewer units. The interval is at
    early_warning_interval_confidence (seed kpi_parameters; 98%, chosen by
    the alert simulation: docs/alert_tuning.md).

    Incremental by week, as int_kpi_onboarding_computed (the same units,
    and what it read of them per window_closed_date kept beside it by a
    post-hook, record_kpi_family_units_read).
#}

{{ config(**kpi_family_units_config()) }}

with

user_kpi_windows as (
    select * from {{ ref('int_user_kpi_windows_unioned') }}
),

complete_weeks as (
    select * from {{ ref('int_weeks_completed') }}
),

interval_methods as (
    select * from {{ ref('kpi_interval_methods') }}
),

kpi_catalog as (
    select * from {{ ref('kpi_catalog') }}
),

early_warning_kpis as (
    {{ onboarding_kpis_over_cohort(
        'user_kpi_windows', 'complete_weeks', 'interval_methods', 'kpi_catalog',
        'early_warning_cohort_start_date',
        z=kpi_parameter('early_warning_interval_z'),
        confidence=kpi_parameter('early_warning_interval_confidence')
    ) }}
),

final as (
    select * from early_warning_kpis
)

select * from final

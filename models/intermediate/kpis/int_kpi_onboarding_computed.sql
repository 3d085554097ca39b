{#
    Onboarding KPI family: activation_rate_14d|30d|60d,
    first_value_rate_14d|30d|60d, time_to_activate_median_days,
    time_to_first_value_median_days, feature_depth_30d_median and
    login_consistency, one row per complete week x KPI x segment, each over
    the rolling cohort of the week (users whose window for the KPI closed in
    the rolling_cohort_weeks weeks ending with the week). Per-user windows
    and contributions come from int_user_kpi_windows_unioned.

    Values and intervals come from macro onboarding_kpis_over_cohort, shared
    with the early-warning series (int_kpi_early_warning_computed, the same
    KPIs over the newest early_warning_cohort_weeks weekly cohorts): Wilson
    for the rates, the exact order-statistic interval for the medians, the
    linearised ratio for login consistency.

    Incremental by week (perf): the units are all it reads besides the
    calendar and the seeds, so a run compares them with the units its last
    run read (kept beside it by a post-hook, record_kpi_family_units_read) and
    recomputes every week from the week of the first changed unit's window
    close (kpi_family_units_first_recomputed_week; delete+insert on
    week_start), the week after the latest stored one, or every week after
    a seed changed.
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

onboarding_kpis as (
    {{ onboarding_kpis_over_cohort(
        'user_kpi_windows', 'complete_weeks', 'interval_methods', 'kpi_catalog',
        'rolling_cohort_start_date'
    ) }}
),

final as (
    select * from onboarding_kpis
)

select * from final

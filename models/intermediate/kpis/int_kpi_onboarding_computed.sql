{#
    Onboarding KPI family: activation_rate_14d|30d|60d,
    first_value_rate_14d|30d|60d, time_to_activate_median_days,
    time_to_first_value_median_days, feature_depth_30d_median and
    login_consistency, one row per complete week x KPI x segment, each over
    the rolling cohort of the week (users whose window for the KPI closed in
    the rolling_cohort_weeks weeks ending with the week). Per-user windows
    and contributions come from int_user_kpi_windows_unioned.
#}

{%- set segments = {
    'industry': 'industry',
    'plan_tier': 'plan_tier',
    'persona': 'persona',
    'onboarding_cohort': 'onboarding_cohort',
} %}

with

user_kpi_windows as (
    select * from {{ ref('int_user_kpi_windows_unioned') }}
),

weeks as (
    select * from {{ ref('int_weeks_spined') }}
),

complete_weeks as (
    select
        week_start,
        week_last_date,
        rolling_cohort_start_date
    from weeks
    where is_complete
),

onboarding_windows as (
    select * from user_kpi_windows
    where kpi_name in (
        'activation_rate_14d', 'activation_rate_30d', 'activation_rate_60d',
        'first_value_rate_14d', 'first_value_rate_30d', 'first_value_rate_60d',
        'time_to_activate_median_days', 'time_to_first_value_median_days',
        'feature_depth_30d_median', 'login_consistency'
    )
),

cohort_members as (
    select
        complete_weeks.week_start,
        onboarding_windows.*
    from complete_weeks
    inner join onboarding_windows
        on {{ in_rolling_cohort('onboarding_windows.window_closed_date') }}
),

aggregated as (
    select
        week_start,
        kpi_name,
        {{ kpi_segment_columns(segments) }},
        {{ usr_kpi_value_columns() }}
    from cohort_members
    {{ kpi_grouping_sets(segments, time_column='week_start, kpi_name') }}  -- noqa: PRS
),

final as (
    select
        week_start,
        kpi_name,
        segment_type,
        segment_value,
        cast(value as {{ dbt.type_float() }}) as value,
        numerator,
        denominator
    from aggregated
)

select * from final

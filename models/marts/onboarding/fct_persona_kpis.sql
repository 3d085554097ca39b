{#
    Persona KPIs for the persona owners: one row per persona x onboarding
    cohort (YYYY-MM of created_at, plus 'all') x KPI, as of the build's
    as-of date, pooled over the persona's users of the cohort.
      admin     setup_complete_rate, days_to_setup_complete_median,
                import_error_rate, days_to_first_governance_action_median
      operator  task_completion_rate, task_error_rate,
                collaboration_events_per_active_week
      end_user  feature_breadth, days_to_first_critical_feature_median, nps
    Ratios pool numerators and denominators over users; medians are over the
    users who reached the milestone (denominator = their count); NPS uses
    each user's latest answer in the nps_window_days ending with the as-of
    date, in points.
#}

{%- set cohort_segment = {'onboarding_cohort': 'onboarding_cohort'} %}

with

users_lifecycle as (
    select * from {{ ref('int_users_lifecycle') }}
),

users as (
    select
        *,
        latest_nps_date > cast(
            {{ dbt.dateadd('day', '-1 * ' ~ kpi_parameter('nps_window_days'), 'as_of_date') }} as date
        ) as has_nps_in_window
    from users_lifecycle
    where created_date <= as_of_date
),

unit_rows as (
    ---------- admin
    select
        user_id,
        persona,
        onboarding_cohort,
        'setup_complete_rate' as kpi_name,
        'ratio' as aggregation,
        cast(case when setup_completed_at is not null then 1 else 0 end as double) as unit_numerator,
        cast(1 as double) as unit_denominator,
        cast(null as double) as unit_value
    from users
    where persona = 'admin'

    union all

    select
        user_id,
        persona,
        onboarding_cohort,
        'days_to_setup_complete_median' as kpi_name,
        'median' as aggregation,
        cast(null as double) as unit_numerator,
        cast(null as double) as unit_denominator,
        cast(days_to_setup_complete as double) as unit_value
    from users
    where persona = 'admin'

    union all

    select
        user_id,
        persona,
        onboarding_cohort,
        'import_error_rate' as kpi_name,
        'ratio' as aggregation,
        cast(import_errors as double) as unit_numerator,
        cast(import_rows as double) as unit_denominator,
        cast(null as double) as unit_value
    from users
    where persona = 'admin'

    union all

    select
        user_id,
        persona,
        onboarding_cohort,
        'days_to_first_governance_action_median' as kpi_name,
        'median' as aggregation,
        cast(null as double) as unit_numerator,
        cast(null as double) as unit_denominator,
        cast(days_to_first_governance_action as double) as unit_value
    from users
    where persona = 'admin'

    ---------- operator
    union all

    select
        user_id,
        persona,
        onboarding_cohort,
        'task_completion_rate' as kpi_name,
        'ratio' as aggregation,
        cast(tasks_completed as double) as unit_numerator,
        cast(tasks_attempted as double) as unit_denominator,
        cast(null as double) as unit_value
    from users
    where persona = 'operator'

    union all

    select
        user_id,
        persona,
        onboarding_cohort,
        'task_error_rate' as kpi_name,
        'ratio' as aggregation,
        cast(tasks_failed as double) as unit_numerator,
        cast(tasks_attempted as double) as unit_denominator,
        cast(null as double) as unit_value
    from users
    where persona = 'operator'

    union all

    select
        user_id,
        persona,
        onboarding_cohort,
        'collaboration_events_per_active_week' as kpi_name,
        'ratio' as aggregation,
        cast(collaboration_events as double) as unit_numerator,
        cast(active_weeks as double) as unit_denominator,
        cast(null as double) as unit_value
    from users
    where persona = 'operator'

    ---------- end user
    union all

    select
        user_id,
        persona,
        onboarding_cohort,
        'feature_breadth' as kpi_name,
        'ratio' as aggregation,
        cast(catalog_features_used as double) as unit_numerator,
        cast(catalog_features as double) as unit_denominator,
        cast(null as double) as unit_value
    from users
    where persona = 'end_user'

    union all

    select
        user_id,
        persona,
        onboarding_cohort,
        'days_to_first_critical_feature_median' as kpi_name,
        'median' as aggregation,
        cast(null as double) as unit_numerator,
        cast(null as double) as unit_denominator,
        cast(days_to_first_critical_feature as double) as unit_value
    from users
    where persona = 'end_user'

    union all

    select
        user_id,
        persona,
        onboarding_cohort,
        'nps' as kpi_name,
        'points' as aggregation,
        cast(case when latest_nps_score >= 9 then 1 when latest_nps_score <= 6 then -1 else 0 end as double)
            as unit_numerator,
        cast(1 as double) as unit_denominator,
        cast(null as double) as unit_value
    from users
    where persona = 'end_user' and has_nps_in_window
),

aggregated as (
    select
        persona,
        kpi_name,
        {{ kpi_segment_columns(cohort_segment) }},
        max(aggregation) as aggregation,
        count(distinct user_id) as users,
        {{ usr_kpi_value_columns() }}
    from unit_rows
    {{ kpi_grouping_sets(cohort_segment, time_column='persona, kpi_name') }}  -- noqa: PRS
),

as_of as (
    select max(as_of_date) as as_of_date
    from users_lifecycle
),

final as (
    select
        aggregated.persona,
        aggregated.segment_value as onboarding_cohort,
        aggregated.kpi_name,
        aggregated.aggregation,
        aggregated.users,
        cast(aggregated.value as double) as value,
        aggregated.numerator,
        aggregated.denominator,
        as_of.as_of_date
    from aggregated
    cross join as_of
)

select * from final

{#
    One row per user and cohort KPI: the day the user's observation window
    for that KPI closes and the user's contribution to it. The KPI families
    pool these rows over the rolling cohort (the users whose window closed
    in the rolling_cohort_weeks weeks ending with a week).

    aggregation = 'ratio': the KPI is sum(unit_numerator) / sum(unit_denominator).
    aggregation = 'median': the KPI is the median of unit_value (null values
    are not in the median: users who did not reach the milestone within the
    window).

    Windows close on date(created_at) + N for the N-day KPIs, on the Sunday
    of week login_consistency_weeks - 1 after the signup week for login
    consistency, and on the Sunday of week retention_kpi_week for week-4
    retention.
#}

{#- The six window rates: (KPI, the user's flag, window days), each KPI
    named in full so that a search for its name finds its per-user rows. -#}
{%- set window_rates = [
    ('activation_rate_14d', 'is_activated_within_14d', 14),
    ('first_value_rate_14d', 'is_first_value_within_14d', 14),
    ('activation_rate_30d', 'is_activated_within_30d', 30),
    ('first_value_rate_30d', 'is_first_value_within_30d', 30),
    ('activation_rate_60d', 'is_activated_within_60d', 60),
    ('first_value_rate_60d', 'is_first_value_within_60d', 60),
] %}

with

users_lifecycle as (
    select * from {{ ref('int_users_lifecycle') }}
),

user_weeks as (
    select * from {{ ref('int_user_weeks_aggregated') }}
),

parameters as (
    select
        {{ kpi_parameter('time_to_value_window_days') }} as time_to_value_window_days,
        {{ kpi_parameter('feature_depth_window_days') }} as feature_depth_window_days,
        {{ kpi_parameter('login_consistency_weeks') }} as login_consistency_weeks,
        {{ kpi_parameter('retention_kpi_week') }} as retention_kpi_week
),

users as (
    select
        users_lifecycle.user_id,
        users_lifecycle.tenant_id,
        users_lifecycle.industry,
        users_lifecycle.plan_tier,
        users_lifecycle.persona,
        users_lifecycle.onboarding_cohort,
        users_lifecycle.created_date,
        users_lifecycle.signup_week_start,
        users_lifecycle.time_to_activate_days,
        users_lifecycle.time_to_first_value_days,
        {%- for kpi_name, reached, days in window_rates %}
            users_lifecycle.{{ reached }},
        {%- endfor %}
        users_lifecycle.feature_depth_in_window,
        users_lifecycle.login_weeks_with_session,
        users_lifecycle.login_weeks_observed,
        parameters.time_to_value_window_days,
        parameters.feature_depth_window_days,
        parameters.login_consistency_weeks,
        parameters.retention_kpi_week,
        cast(
            {{ dbt.dateadd('day', '7 * parameters.retention_kpi_week', 'users_lifecycle.signup_week_start') }} as date
        ) as retention_week_start
    from users_lifecycle
    cross join parameters
),

retention_activity as (
    select
        users.user_id,
        max(case when user_weeks.user_id is not null then 1 else 0 end) as is_active_in_retention_week
    from users
    left join user_weeks
        on
            users.user_id = user_weeks.user_id
            and users.retention_week_start = user_weeks.week_start
    group by 1
),

windows as (
    {%- for kpi_name, reached, days in window_rates %}
        select
            user_id,
            '{{ kpi_name }}' as kpi_name,
            'ratio' as aggregation,
            cast({{ dbt.dateadd('day', days, 'created_date') }} as date) as window_closed_date,
            cast(case when {{ reached }} then 1 when not {{ reached }} then 0 end as {{ dbt.type_float() }})
                as unit_numerator,
            cast(case when {{ reached }} is not null then 1 end as {{ dbt.type_float() }}) as unit_denominator,
            cast(null as {{ dbt.type_float() }}) as unit_value
        from users

        union all
    {%- endfor %}

    select
        user_id,
        'time_to_activate_median_days' as kpi_name,
        'median' as aggregation,
        cast({{ dbt.dateadd('day', 'time_to_value_window_days', 'created_date') }} as date) as window_closed_date,
        cast(null as {{ dbt.type_float() }}) as unit_numerator,
        cast(null as {{ dbt.type_float() }}) as unit_denominator,
        cast(
            case when time_to_activate_days <= time_to_value_window_days then time_to_activate_days end
            as {{ dbt.type_float() }}
        )
            as unit_value
    from users

    union all

    select
        user_id,
        'time_to_first_value_median_days' as kpi_name,
        'median' as aggregation,
        cast({{ dbt.dateadd('day', 'time_to_value_window_days', 'created_date') }} as date) as window_closed_date,
        cast(null as {{ dbt.type_float() }}) as unit_numerator,
        cast(null as {{ dbt.type_float() }}) as unit_denominator,
        cast(
            case when time_to_first_value_days <= time_to_value_window_days then time_to_first_value_days end
            as {{ dbt.type_float() }}
        ) as unit_value
    from users

    union all

    select
        user_id,
        'feature_depth_30d_median' as kpi_name,
        'median' as aggregation,
        cast({{ dbt.dateadd('day', 'feature_depth_window_days', 'created_date') }} as date) as window_closed_date,
        cast(null as {{ dbt.type_float() }}) as unit_numerator,
        cast(null as {{ dbt.type_float() }}) as unit_denominator,
        cast(feature_depth_in_window as {{ dbt.type_float() }}) as unit_value
    from users

    union all

    select
        user_id,
        'login_consistency' as kpi_name,
        'ratio' as aggregation,
        cast({{ dbt.dateadd('day', '7 * login_consistency_weeks - 1', 'signup_week_start') }} as date)
            as window_closed_date,
        cast(login_weeks_with_session as {{ dbt.type_float() }}) as unit_numerator,
        cast(login_weeks_observed as {{ dbt.type_float() }}) as unit_denominator,
        cast(null as {{ dbt.type_float() }}) as unit_value
    from users

    union all

    select
        users.user_id,
        'retention_week_4' as kpi_name,
        'ratio' as aggregation,
        cast({{ dbt.dateadd('day', 6, 'users.retention_week_start') }} as date) as window_closed_date,
        cast(retention_activity.is_active_in_retention_week as {{ dbt.type_float() }}) as unit_numerator,
        cast(1 as {{ dbt.type_float() }}) as unit_denominator,
        cast(null as {{ dbt.type_float() }}) as unit_value
    from users
    inner join retention_activity
        on users.user_id = retention_activity.user_id
),

final as (
    select
        windows.user_id,
        users.tenant_id,
        users.industry,
        users.plan_tier,
        users.persona,
        users.onboarding_cohort,
        windows.kpi_name,
        windows.aggregation,
        windows.window_closed_date,
        windows.unit_numerator,
        windows.unit_denominator,
        windows.unit_value
    from windows
    inner join users
        on windows.user_id = users.user_id
)

select * from final

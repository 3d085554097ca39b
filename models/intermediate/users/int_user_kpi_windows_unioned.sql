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

    Computed whole every run; a run writes only the rows that changed
    (changed_rows_incremental_config): a week moves few users' windows.
#}

{{ config(**changed_rows_incremental_config(['user_id', 'kpi_name'])) }}

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

{#- One entry per cohort KPI: how it aggregates, the day a user's window
    closes (window_closed) and the user's contribution (numerator and
    denominator for a ratio, value for a median: macro kpi_unit_columns).
    The unit rows below are generated from this list. -#}
{%- set window_kpis = [] %}
{%- for kpi_name, reached, days in window_rates %}
    {%- do window_kpis.append({
        'kpi_name': kpi_name, 'aggregation': 'ratio',
        'window_closed': dbt.dateadd('day', days, 'created_date'),
        'numerator': 'case when ' ~ reached ~ ' then 1 when not ' ~ reached ~ ' then 0 end',
        'denominator': 'case when ' ~ reached ~ ' is not null then 1 end',
    }) %}
{%- endfor %}
{%- do window_kpis.extend([
    {'kpi_name': 'time_to_activate_median_days', 'aggregation': 'median',
     'window_closed': dbt.dateadd('day', 'time_to_value_window_days', 'created_date'),
     'value': 'case when time_to_activate_days <= time_to_value_window_days then time_to_activate_days end'},
    {'kpi_name': 'time_to_first_value_median_days', 'aggregation': 'median',
     'window_closed': dbt.dateadd('day', 'time_to_value_window_days', 'created_date'),
     'value': 'case when time_to_first_value_days <= time_to_value_window_days then time_to_first_value_days end'},
    {'kpi_name': 'feature_depth_30d_median', 'aggregation': 'median',
     'window_closed': dbt.dateadd('day', 'feature_depth_window_days', 'created_date'),
     'value': 'feature_depth_in_window'},
    {'kpi_name': 'login_consistency', 'aggregation': 'ratio',
     'window_closed': dbt.dateadd('day', '7 * login_consistency_weeks - 1', 'signup_week_start'),
     'numerator': 'login_weeks_with_session', 'denominator': 'login_weeks_observed'},
    {'kpi_name': 'retention_week_4', 'aggregation': 'ratio',
     'window_closed': dbt.dateadd('day', 6, 'retention_week_start'),
     'numerator': 'is_active_in_retention_week', 'denominator': '1'},
]) %}

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

users_with_retention as (
    select
        users.*,
        retention_activity.is_active_in_retention_week
    from users
    inner join retention_activity
        on users.user_id = retention_activity.user_id
),

windows as (
    {%- for kpi in window_kpis %}
        select
            user_id,
            cast({{ kpi.window_closed }} as date) as window_closed_date,
            {{ kpi_unit_columns(kpi) }}
        from users_with_retention
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
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

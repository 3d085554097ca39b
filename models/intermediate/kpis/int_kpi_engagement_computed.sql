{#
    Engagement KPI family, one row per complete week x KPI x segment:
      repeat_usage_days_per_week  mean active days over users active in the
                                  week (numerator active days, denominator
                                  active users)
      streak_4w_share             active users whose usage streak ending with
                                  the week is >= streak_threshold_weeks /
                                  active users
      retention_week_4            rolling cohort: users whose signup week +
                                  retention_kpi_week ended in the
                                  rolling_cohort_weeks weeks ending with the
                                  week; numerator = active in that week
      nps                         latest answer per user in the
                                  nps_window_days ending with the week's last
                                  day; value in points (-100..100),
                                  numerator promoters - detractors,
                                  denominator respondents

    Intervals, the method of seed kpi_interval_methods named beside each
    KPI's unit rows (assert_kpi_weekly_intervals_are_consistent checks they
    agree): Wilson for streak_4w_share and retention_week_4 (unit_count =
    users), the linearised ratio (Student t; users or respondents as units)
    for the mean active days and for NPS (the mean of +100 / 0 / -100 per
    respondent).

    Incremental by week (perf), as int_tenant_health_inputs_aggregated:
    every week from the first one the new events touch (the first week whose
    user weeks differ from what the last run read of them), the first unit week
    of a user whose segments or signup week changed (kpi_family_users_read)
    or the week after the latest stored one is recomputed (delete+insert on
    week_start). A week's rows depend only on data dated up to its end
    (streaks come stored in the user weeks; a retention unit counts from the
    week its window closed); NPS reads the user days back by
    nps_window_days. The users and the user weeks a run read are kept
    beside the family (record_kpi_family_state, record_user_weeks_read:
    post-hooks); a changed seed
    recomputes every week. After a retroactive change to stored events
    outside the window, run `dbt build --full-refresh`.
#}

{%- set segments = kpi_segments('user') %}

{{
    config(
        post_hook=[
            "{{ record_kpi_family_state(kpi_family_users_read(ref('int_users_lifecycle'))) }}",
            "{{ record_user_weeks_read(ref('int_user_weeks_aggregated')) }}",
            "{{ record_seeds_read() }}",
        ],
        **period_replacing_incremental_config('week_start'),
    )
}}

with

users_lifecycle as (
    select * from {{ ref('int_users_lifecycle') }}
),

user_weeks as (
    select * from {{ ref('int_user_weeks_aggregated') }}
),

user_days as (
    select * from {{ ref('int_user_days_aggregated') }}
),

user_kpi_windows as (
    select * from {{ ref('int_user_kpi_windows_unioned') }}
),

complete_weeks as (
    select * from {{ ref('int_weeks_completed') }}
),

{% if is_incremental() %}
-- {{ this }} and its side tables are read in place (no import CTE), as in int_user_weeks_aggregated
users_now as (
    {{ kpi_family_users_read('users_lifecycle') }}
),

users_read as (
    {{ recorded_rows(side_table('state'), 'users_now') }}
),

events_touched_week as (
    {{ user_weeks_first_changed_week('user_weeks') }}
),

segment_changed_week as (
    {{ first_changed_week(
        'users_now', 'users_read', ['user_id'], kpi_family_user_columns(), week_column='first_unit_week'
    ) }}
),

first_recomputed_week as (
    {{ weekly_first_recomputed_week(['events_touched_week', 'segment_changed_week']) }}
),
{% endif %}

complete_weeks_in_scope as (
    select * from complete_weeks
    {{ in_recomputed_weeks('week_start') }}
),

-- the days the NPS windows of the recomputed weeks reach
user_days_in_scope as (
    select * from user_days
    {{ in_recomputed_weeks('activity_date', days_before=kpi_parameter('nps_window_days')) }}
),

active_user_weeks as (
    select
        user_weeks.week_start,
        user_weeks.user_id,
        user_weeks.active_days,
        user_weeks.usage_streak_weeks
    from user_weeks
    inner join complete_weeks_in_scope
        on user_weeks.week_start = complete_weeks_in_scope.week_start
),

nps_latest_in_window as (
    {{ latest_nps_answers(
        'complete_weeks_in_scope', ['week_start'],
        last_date='complete_weeks_in_scope.week_last_date',
        window_days=kpi_parameter('nps_window_days'),
        user_days='user_days_in_scope',
    ) }}
),

unit_rows as (
    select
        week_start,
        user_id,
        'linearized_ratio_t' as interval_method,
        {{ kpi_unit_columns({
            'kpi_name': 'repeat_usage_days_per_week', 'aggregation': 'ratio',
            'numerator': 'active_days', 'denominator': '1',
        }) }}
    from active_user_weeks

    union all

    select
        week_start,
        user_id,
        'wilson' as interval_method,
        {{ kpi_unit_columns({
            'kpi_name': 'streak_4w_share', 'aggregation': 'ratio',
            'numerator': 'case when usage_streak_weeks >= ' ~ kpi_parameter('streak_threshold_weeks') ~ ' then 1 else 0 end',
            'denominator': '1',
        }) }}
    from active_user_weeks

    union all

    select
        complete_weeks_in_scope.week_start,
        user_kpi_windows.user_id,
        'wilson' as interval_method,
        user_kpi_windows.kpi_name,
        user_kpi_windows.aggregation,
        user_kpi_windows.unit_numerator,
        user_kpi_windows.unit_denominator,
        user_kpi_windows.unit_value
    from complete_weeks_in_scope
    inner join user_kpi_windows
        on
            user_kpi_windows.kpi_name = 'retention_week_4'
            and {{ in_rolling_cohort('user_kpi_windows.window_closed_date', weeks='complete_weeks_in_scope') }}

    union all

    select
        week_start,
        user_id,
        'linearized_ratio_t' as interval_method,
        {{ kpi_unit_columns({
            'kpi_name': 'nps', 'aggregation': 'points',
            'numerator': nps_answer_sign('nps_score'), 'denominator': '1',
        }) }}
    from nps_latest_in_window
),

unit_rows_segmented as (
    select
        unit_rows.*,
        users_lifecycle.industry,
        users_lifecycle.plan_tier,
        users_lifecycle.persona,
        users_lifecycle.onboarding_cohort
    from unit_rows
    inner join users_lifecycle
        on unit_rows.user_id = users_lifecycle.user_id
),

aggregated as (
    select
        week_start,
        kpi_name,
        {{ kpi_segment_columns(segments) }},
        {{ kpi_value_columns_from_units() }},
        max(interval_method) as interval_method,
        {{ linearized_ratio_sums([
            "case when aggregation = 'points' then 100 * unit_numerator else unit_numerator end",
            'unit_denominator',
        ], exact_type='bigint') }}
    from unit_rows_segmented
    {{ kpi_grouping_sets(segments, grain_columns='week_start, kpi_name') }}  -- noqa: PRS
),

with_intervals as (
    select
        aggregated.*,
        {{ kpi_interval_columns(
            'aggregated.interval_method', 'aggregated',
            lowest="case when aggregated.kpi_name = 'nps' then -100.0 else 0.0 end",
            highest="case when aggregated.kpi_name = 'nps' then 100.0 else 7.0 end"
        ) }}
    from aggregated
),

final as (
    select
        {{ kpi_family_columns() }}
    from with_intervals
    -- a user's activity up to a day before created_at (allowed by the raw
    -- contract) can fall in the week before its cohort's first month
    where {{ kpi_segment_has_started() }}
)

select * from final

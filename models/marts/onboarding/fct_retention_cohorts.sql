{#
    Retention triangle: signup-week cohort x weeks since signup (0 ..
    retention_max_week) x segment. Classic retention counts users active in
    week C+k; unbounded retention counts users active in week C+k or any
    later complete week. Only complete weeks C+k have a row: an unobserved
    cell is absent, never a partial number.
#}

{%- set max_offsets = 520 %}
{%- set segments = {'industry': 'industry', 'plan_tier': 'plan_tier', 'persona': 'persona'} %}

with

users_lifecycle as (
    select * from {{ ref('int_users_lifecycle') }}
),

user_weeks as (
    select * from {{ ref('int_user_weeks_aggregated') }}
),

complete_weeks as (
    select * from {{ ref('int_weeks_completed') }}
),

offset_numbers as (
    {{ dbt.generate_series(max_offsets) }}
),

offsets as (
    select generated_number - 1 as weeks_since_signup
    from offset_numbers
    where generated_number - 1 <= {{ kpi_parameter('retention_max_week') }}
),

cohort_offsets as (
    select
        users_lifecycle.user_id,
        users_lifecycle.signup_week_start as cohort_week_start,
        users_lifecycle.industry,
        users_lifecycle.plan_tier,
        users_lifecycle.persona,
        offsets.weeks_since_signup,
        cast(
            {{ dbt.dateadd('day', '7 * offsets.weeks_since_signup', 'users_lifecycle.signup_week_start') }} as date
        ) as activity_week_start
    from users_lifecycle
    cross join offsets
),

-- only offsets whose week is complete: an unobserved cell has no row
cohort_cells as (
    select cohort_offsets.*
    from cohort_offsets
    inner join complete_weeks
        on cohort_offsets.activity_week_start = complete_weeks.week_start
),

last_active_weeks as (
    select
        user_weeks.user_id,
        max(user_weeks.week_start) as last_active_week_start
    from user_weeks
    inner join complete_weeks
        on user_weeks.week_start = complete_weeks.week_start
    group by 1
),

cells_flagged as (
    select
        cohort_cells.*,
        user_weeks.user_id is not null as is_retained,
        coalesce(last_active_weeks.last_active_week_start >= cohort_cells.activity_week_start, false)
            as is_retained_unbounded
    from cohort_cells
    left join user_weeks
        on
            cohort_cells.user_id = user_weeks.user_id
            and cohort_cells.activity_week_start = user_weeks.week_start
    left join last_active_weeks
        on cohort_cells.user_id = last_active_weeks.user_id
),

aggregated as (
    select
        cohort_week_start,
        weeks_since_signup,
        {{ kpi_segment_columns(segments) }},
        count(*) as cohort_users,
        count(case when is_retained then 1 end) as retained_users,
        count(case when is_retained_unbounded then 1 end) as retained_users_unbounded
    from cells_flagged
    {{ kpi_grouping_sets(segments, grain_columns='cohort_week_start, weeks_since_signup') }}  -- noqa: PRS
),

final as (
    select
        cohort_week_start,
        cast(weeks_since_signup as integer) as weeks_since_signup,
        cast({{ dbt.dateadd('day', '7 * weeks_since_signup', 'cohort_week_start') }} as date) as activity_week_start,
        segment_type,
        segment_value,
        cohort_users,
        retained_users,
        {{ divide_if_positive('retained_users', 'cohort_users') }} as retention_rate,
        retained_users_unbounded,
        {{ divide_if_positive('retained_users_unbounded', 'cohort_users') }} as retention_rate_unbounded
    from aggregated
)

select * from final

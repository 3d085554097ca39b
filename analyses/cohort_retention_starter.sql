{#
    Cohort retention starter: the question an analyst asks first - "of the
    users who signed up in a given month, how many are still active k weeks
    later, and does it differ by persona?"

    Reads the public marts only. Weekly signup cohorts from
    fct_retention_cohorts are pooled into signup months (sum the counts,
    then divide: never average rates; a weekly cohort belongs to the month
    of its Monday), for the `persona` segment and the
    `all` row. Classic retention (active in week k) and unbounded retention
    (active in week k or later) sit side by side; cells not yet observed
    for every weekly cohort of the month are dropped, so the newest month
    shows fewer offsets instead of a partial number.

    Compile with `dbt compile --select cohort_retention_starter` and run the
    SQL in target/compiled/... against the warehouse, or adapt the filters.
#}

with

retention_cohorts as (
    select * from {{ ref('fct_retention_cohorts') }}
),

users as (
    select * from {{ ref('dim_users') }}
),

-- weekly cohorts and offsets of interest: the all row and the persona split
selected_cells as (
    select
        cast({{ dbt.date_trunc('month', 'cohort_week_start') }} as date) as cohort_month_start,
        cohort_week_start,
        weeks_since_signup,
        segment_type,
        segment_value,
        cohort_users,
        retained_users,
        retained_users_unbounded
    from retention_cohorts
    where segment_type in ('all', 'persona')
),

-- how many weekly cohorts of each month (and segment) exist at offset 0
weekly_cohorts_per_month as (
    select
        cohort_month_start,
        segment_type,
        segment_value,
        count(*) as weekly_cohorts
    from selected_cells
    where weeks_since_signup = 0
    group by 1, 2, 3
),

monthly as (
    select
        cohort_month_start,
        weeks_since_signup,
        segment_type,
        segment_value,
        count(*) as weekly_cohorts_observed,
        sum(cohort_users) as cohort_users,
        sum(retained_users) as retained_users,
        sum(retained_users_unbounded) as retained_users_unbounded
    from selected_cells
    group by 1, 2, 3, 4
),

fully_observed as (
    select monthly.*
    from monthly
    inner join weekly_cohorts_per_month
        on
            monthly.cohort_month_start = weekly_cohorts_per_month.cohort_month_start
            and monthly.segment_type = weekly_cohorts_per_month.segment_type
            and monthly.segment_value = weekly_cohorts_per_month.segment_value
            and monthly.weekly_cohorts_observed = weekly_cohorts_per_month.weekly_cohorts
),

-- sanity: users per signup-week month in dim_users (the all row's cohort
-- size at offset 0 adds up to it, once every week of the month is complete)
signups_per_month as (
    select
        cast({{ dbt.date_trunc('month', 'signup_week_start') }} as date) as cohort_month_start,
        count(*) as signups
    from users
    group by 1
),

final as (
    select
        fully_observed.cohort_month_start,
        fully_observed.segment_type,
        fully_observed.segment_value,
        fully_observed.weeks_since_signup,
        fully_observed.cohort_users,
        signups_per_month.signups as month_signups,
        fully_observed.retained_users,
        round(100.0 * fully_observed.retained_users / nullif(fully_observed.cohort_users, 0), 1)
            as retention_pct,
        fully_observed.retained_users_unbounded,
        round(100.0 * fully_observed.retained_users_unbounded / nullif(fully_observed.cohort_users, 0), 1)
            as retention_unbounded_pct
    from fully_observed
    left join signups_per_month
        on fully_observed.cohort_month_start = signups_per_month.cohort_month_start
)

select * from final
order by cohort_month_start, segment_type, segment_value, weeks_since_signup

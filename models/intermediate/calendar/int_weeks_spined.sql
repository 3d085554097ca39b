{#
    One row per ISO week (Monday start, week_end exclusive = week_start + 7)
    of the data, built from the day spine. A week is complete when its last
    day (week_end - 1, a Sunday) is on or before the as-of date. Each week
    also carries the first day of its rolling cohort (rolling_cohort_weeks
    weeks ending with the week) and of its early-warning cohort
    (early_warning_cohort_weeks weeks ending with the week), the one place
    those rules are computed.
#}

with

days as (
    select * from {{ ref('int_dates_spined') }}
),

weeks as (
    select
        week_start,
        min(date_day) as first_day,
        max(date_day) as last_day,
        {{ dbt.bool_or('not is_complete') }} as has_incomplete_day
    from days
    group by 1
),

final as (
    select
        week_start,
        cast({{ dbt.dateadd('day', 7, 'week_start') }} as date) as week_end,
        last_day as week_last_date,
        not has_incomplete_day as is_complete,
        cast(
            {{ dbt.dateadd('day', '-7 * (' ~ kpi_parameter('rolling_cohort_weeks') ~ ' - 1)', 'week_start') }}
            as date
        ) as rolling_cohort_start_date,
        cast(
            {{ dbt.dateadd('day', '-7 * (' ~ kpi_parameter('early_warning_cohort_weeks') ~ ' - 1)', 'week_start') }}
            as date
        ) as early_warning_cohort_start_date
    from weeks
)

select * from final

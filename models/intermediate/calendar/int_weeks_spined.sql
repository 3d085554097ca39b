{#
    One row per ISO week (Monday start, week_end exclusive = week_start + 7)
    of the data, built from the day spine. A week is complete when its last
    day (week_end - 1, a Sunday) is on or before the as-of date.
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
        not has_incomplete_day as is_complete
    from weeks
)

select * from final

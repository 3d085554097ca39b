{#
    MetricFlow's day time spine: one row per calendar day of the data, from
    the calendar model. MetricFlow joins metrics to it for
    `join_to_timespine`, cumulative windows and conversion windows.
#}

with

days as (
    select * from {{ ref('int_dates_spined') }}
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final

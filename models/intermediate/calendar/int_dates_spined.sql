{#
    One row per calendar day from the Monday of the first week of the data
    to the Sunday of the week holding the last staged event (see
    int_as_of_date). `is_complete` marks days on or before the as-of date.
#}

{%- set max_spine_days = 20000 %}

with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

day_numbers as (
    {{ dbt.generate_series(max_spine_days) }}
),

days as (
    select
        cast(
            {{ dbt.dateadd('day', 'day_numbers.generated_number - 1', 'as_of.first_week_start') }}
            as date
        ) as date_day,
        as_of.as_of_date,
        as_of.last_week_start
    from day_numbers
    cross join as_of
),

final as (
    select
        date_day,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        date_day <= as_of_date as is_complete
    from days
    where date_day < cast({{ dbt.dateadd('day', 7, 'last_week_start') }} as date)
)

select * from final

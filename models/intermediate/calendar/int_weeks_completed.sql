{#
    The weeks every KPI, aggregate and mart reports on: the complete weeks of
    int_weeks_spined (the week's Sunday on or before the as-of date). The one
    home of that choice: a model that reports on weeks reads this model, not
    the spine with its own filter.
#}

with

weeks as (
    select * from {{ ref('int_weeks_spined') }}
),

final as (
    select
        week_start,
        week_end,
        week_last_date,
        rolling_cohort_start_date,
        early_warning_cohort_start_date
    from weeks
    where is_complete
)

select * from final

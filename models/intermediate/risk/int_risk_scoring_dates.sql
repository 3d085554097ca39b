{#
    The weeks at which the risk model scores tenants: every
    scoring_interval_weeks-th complete week counting back from the last
    complete week (which is always scored). scoring_date is the week's last
    day: the as-of date of that week. Only what is known on or before the
    scoring date may be used for a score of that week.
#}

with

complete_weeks as (
    select * from {{ ref('int_weeks_completed') }}
),

counted_back_weeks as (
    select
        week_start,
        week_last_date,
        row_number() over (order by week_start desc) - 1 as weeks_before_as_of
    from complete_weeks
),

final as (
    select
        week_start as scoring_week_start,
        week_last_date as scoring_date
    from counted_back_weeks
    where
        mod(
            weeks_before_as_of,
            cast(greatest(1, {{ risk_model_setting('scoring_interval_weeks') }}) as integer)
        ) = 0
)

select * from final

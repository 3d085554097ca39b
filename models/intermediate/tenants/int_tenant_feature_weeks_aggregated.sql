{#
    One row per tenant, complete week and feature used (feature_used events
    with a feature property), with the users and events behind it.
#}

with

events as (
    select * from {{ ref('stg_product__events') }}
),

weeks as (
    select * from {{ ref('int_weeks_spined') }}
),

feature_events as (
    select
        tenant_id,
        user_id,
        feature_name,
        cast({{ dbt.date_trunc('week', 'occurred_date') }} as date) as week_start
    from events
    where
        event_name = 'feature_used'
        and feature_name is not null
),

final as (
    select
        feature_events.tenant_id,
        feature_events.week_start,
        feature_events.feature_name,
        count(distinct feature_events.user_id) as feature_users,
        count(*) as feature_events
    from feature_events
    inner join weeks
        on feature_events.week_start = weeks.week_start
    where weeks.is_complete
    group by 1, 2, 3
)

select * from final

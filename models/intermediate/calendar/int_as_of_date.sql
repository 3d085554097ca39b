{#
    The build's as-of date, in one row: the last day (Sunday) of the last
    complete ISO week in the data. "Data covers a day" means the day is on or
    before the largest occurred_date of the staged events, so a week is
    complete when its Sunday is on or before that date. The spine starts with
    the week of the earliest onboarded_at / created_at / occurred_date and
    ends with the week holding the last staged event.
#}

with

events as (
    select * from {{ ref('stg_product__events') }}
),

tenants as (
    select * from {{ ref('stg_app__tenants') }}
),

users as (
    select * from {{ ref('stg_app__users') }}
),

event_bounds as (
    select
        min(occurred_date) as first_event_date,
        max(occurred_date) as last_event_date
    from events
),

tenant_bounds as (
    select min(cast(onboarded_at as date)) as first_onboarded_date
    from tenants
),

user_bounds as (
    select min(cast(created_at as date)) as first_created_date
    from users
),

bounds as (
    select
        event_bounds.last_event_date,
        least(
            coalesce(tenant_bounds.first_onboarded_date, event_bounds.first_event_date),
            coalesce(user_bounds.first_created_date, event_bounds.first_event_date),
            event_bounds.first_event_date
        ) as first_data_date
    from event_bounds
    cross join tenant_bounds
    cross join user_bounds
),

as_of as (
    select
        last_event_date,
        first_data_date,
        -- Sunday on or before last_event_date: the day after it is a Monday
        -- whose week has not been fully covered by data.
        cast(
            {{ dbt.dateadd('day', -1, dbt.date_trunc('week', dbt.dateadd('day', 1, 'last_event_date'))) }}
            as date
        ) as as_of_date
    from bounds
    where last_event_date is not null
),

final as (
    select
        as_of_date,
        cast({{ dbt.dateadd('day', -6, 'as_of_date') }} as date) as as_of_week_start,
        last_event_date,
        cast({{ dbt.date_trunc('week', 'first_data_date') }} as date) as first_week_start,
        cast({{ dbt.date_trunc('week', 'last_event_date') }} as date) as last_week_start
    from as_of
)

select * from final

{#
    Where every raw row went: one row per raw table and, for the
    incrementally loaded events, one per load date (the UTC date of
    received_at). rows_raw of a non-event table is the row count of its base
    model (one row per raw row, tested with equal_row_count against the
    source); for events it is counted on the raw file by
    base_product__event_deliveries, together with the repeated deliveries, so
    the identity rows_raw = staged + quarantined + duplicates is a real check
    on every load date.
#}

with

base_app__tenants as (
    select * from {{ ref('base_app__tenants') }}
),

stg_app__tenants as (
    select * from {{ ref('stg_app__tenants') }}
),

base_app__users as (
    select * from {{ ref('base_app__users') }}
),

stg_app__users as (
    select * from {{ ref('stg_app__users') }}
),

base_product__events as (
    select * from {{ ref('base_product__events') }}
),

stg_product__events as (
    select * from {{ ref('stg_product__events') }}
),

base_learning__certifications as (
    select * from {{ ref('base_learning__certifications') }}
),

stg_learning__certifications as (
    select * from {{ ref('stg_learning__certifications') }}
),

base_learning__content as (
    select * from {{ ref('base_learning__content') }}
),

stg_learning__content as (
    select * from {{ ref('stg_learning__content') }}
),

base_finance__learning_costs as (
    select * from {{ ref('base_finance__learning_costs') }}
),

stg_finance__learning_costs as (
    select * from {{ ref('stg_finance__learning_costs') }}
),

base_support__tickets as (
    select * from {{ ref('base_support__tickets') }}
),

stg_support__tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

base_billing__subscription_events as (
    select * from {{ ref('base_billing__subscription_events') }}
),

stg_billing__subscription_events as (
    select * from {{ ref('stg_billing__subscription_events') }}
),

base_app__experiment_assignments as (
    select * from {{ ref('base_app__experiment_assignments') }}
),

stg_app__experiment_assignments as (
    select * from {{ ref('stg_app__experiment_assignments') }}
),

event_deliveries as (
    select * from {{ ref('base_product__event_deliveries') }}
),

tenants_counted as (
    select
        count(*) as rows_raw,
        0 as rows_duplicate,
        (select count(*) from stg_app__tenants) as rows_staged,
        count(quarantine_reason) as rows_quarantined
    from base_app__tenants
),

users_counted as (
    select
        count(*) as rows_raw,
        0 as rows_duplicate,
        (select count(*) from stg_app__users) as rows_staged,
        count(quarantine_reason) as rows_quarantined
    from base_app__users
),

events_counts_unioned as (
    -- per load date; unioned and summed, not joined, because load_date is
    -- null for rows whose received_at does not parse
    select
        load_date,
        rows_raw,
        rows_duplicate,
        0 as rows_staged,
        0 as rows_quarantined
    from event_deliveries
    union all
    select
        cast(received_at as date) as load_date,
        0 as rows_raw,
        0 as rows_duplicate,
        count(*) as rows_staged,
        0 as rows_quarantined
    from stg_product__events
    group by 1
    union all
    select
        cast(received_at as date) as load_date,
        0 as rows_raw,
        0 as rows_duplicate,
        0 as rows_staged,
        count(*) as rows_quarantined
    from base_product__events
    where quarantine_reason is not null
    group by 1
    union all
    -- an empty events file still gets its row, as every other raw table does
    select
        cast(null as date) as load_date,
        0 as rows_raw,
        0 as rows_duplicate,
        0 as rows_staged,
        0 as rows_quarantined
    where not exists (select 1 from event_deliveries)
),

events_counted as (
    select
        load_date,
        sum(rows_raw) as rows_raw,
        sum(rows_duplicate) as rows_duplicate,
        sum(rows_staged) as rows_staged,
        sum(rows_quarantined) as rows_quarantined
    from events_counts_unioned
    group by 1
),

certifications_counted as (
    select
        count(*) as rows_raw,
        0 as rows_duplicate,
        (select count(*) from stg_learning__certifications) as rows_staged,
        count(quarantine_reason) as rows_quarantined
    from base_learning__certifications
),

content_counted as (
    select
        count(*) as rows_raw,
        0 as rows_duplicate,
        (select count(*) from stg_learning__content) as rows_staged,
        count(quarantine_reason) as rows_quarantined
    from base_learning__content
),

learning_costs_counted as (
    select
        count(*) as rows_raw,
        0 as rows_duplicate,
        (select count(*) from stg_finance__learning_costs) as rows_staged,
        count(quarantine_reason) as rows_quarantined
    from base_finance__learning_costs
),

support_tickets_counted as (
    select
        count(*) as rows_raw,
        0 as rows_duplicate,
        (select count(*) from stg_support__tickets) as rows_staged,
        count(quarantine_reason) as rows_quarantined
    from base_support__tickets
),

subscription_events_counted as (
    select
        count(*) as rows_raw,
        0 as rows_duplicate,
        (select count(*) from stg_billing__subscription_events) as rows_staged,
        count(quarantine_reason) as rows_quarantined
    from base_billing__subscription_events
),

experiment_assignments_counted as (
    select
        count(*) as rows_raw,
        0 as rows_duplicate,
        (select count(*) from stg_app__experiment_assignments) as rows_staged,
        count(quarantine_reason) as rows_quarantined
    from base_app__experiment_assignments
),

unioned as (
    select
        'tenants' as raw_table,
        cast(null as date) as load_date,
        rows_raw,
        rows_staged,
        rows_quarantined,
        rows_duplicate
    from tenants_counted
    union all
    select
        'users' as raw_table,
        cast(null as date) as load_date,
        rows_raw,
        rows_staged,
        rows_quarantined,
        rows_duplicate
    from users_counted
    union all
    select
        'events' as raw_table,
        load_date,
        rows_raw,
        rows_staged,
        rows_quarantined,
        rows_duplicate
    from events_counted
    union all
    select
        'certifications' as raw_table,
        cast(null as date) as load_date,
        rows_raw,
        rows_staged,
        rows_quarantined,
        rows_duplicate
    from certifications_counted
    union all
    select
        'content' as raw_table,
        cast(null as date) as load_date,
        rows_raw,
        rows_staged,
        rows_quarantined,
        rows_duplicate
    from content_counted
    union all
    select
        'learning_costs' as raw_table,
        cast(null as date) as load_date,
        rows_raw,
        rows_staged,
        rows_quarantined,
        rows_duplicate
    from learning_costs_counted
    union all
    select
        'support_tickets' as raw_table,
        cast(null as date) as load_date,
        rows_raw,
        rows_staged,
        rows_quarantined,
        rows_duplicate
    from support_tickets_counted
    union all
    select
        'subscription_events' as raw_table,
        cast(null as date) as load_date,
        rows_raw,
        rows_staged,
        rows_quarantined,
        rows_duplicate
    from subscription_events_counted
    union all
    select
        'experiment_assignments' as raw_table,
        cast(null as date) as load_date,
        rows_raw,
        rows_staged,
        rows_quarantined,
        rows_duplicate
    from experiment_assignments_counted
),

final as (
    select
        raw_table,
        load_date,
        cast(rows_raw as bigint) as rows_raw,
        cast(rows_staged as bigint) as rows_staged,
        cast(rows_quarantined as bigint) as rows_quarantined,
        cast(rows_duplicate as bigint) as rows_duplicate
    from unioned
)

select * from final

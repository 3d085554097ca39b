with

base_app__tenants as (
    select * from {{ ref('base_app__tenants') }}
),

base_app__users as (
    select * from {{ ref('base_app__users') }}
),

base_product__events as (
    select * from {{ ref('base_product__events') }}
),

base_learning__certifications as (
    select * from {{ ref('base_learning__certifications') }}
),

base_learning__content as (
    select * from {{ ref('base_learning__content') }}
),

base_finance__learning_costs as (
    select * from {{ ref('base_finance__learning_costs') }}
),

base_support__tickets as (
    select * from {{ ref('base_support__tickets') }}
),

base_billing__subscription_events as (
    select * from {{ ref('base_billing__subscription_events') }}
),

base_app__experiment_assignments as (
    select * from {{ ref('base_app__experiment_assignments') }}
),

quarantined as (
    select
        'tenants' as raw_table,
        quarantine_reason,
        row_payload,
        cast(tenant_id as {{ dbt.type_string() }}) as row_key
    from base_app__tenants
    where quarantine_reason is not null
    union all
    select
        'users' as raw_table,
        quarantine_reason,
        row_payload,
        cast(user_id as {{ dbt.type_string() }}) as row_key
    from base_app__users
    where quarantine_reason is not null
    union all
    select
        'events' as raw_table,
        quarantine_reason,
        row_payload,
        cast(event_id as {{ dbt.type_string() }}) as row_key
    from base_product__events
    where quarantine_reason is not null
    union all
    select
        'certifications' as raw_table,
        quarantine_reason,
        row_payload,
        cast(certification_id as {{ dbt.type_string() }}) as row_key
    from base_learning__certifications
    where quarantine_reason is not null
    union all
    select
        'content' as raw_table,
        quarantine_reason,
        row_payload,
        cast(content_id as {{ dbt.type_string() }}) as row_key
    from base_learning__content
    where quarantine_reason is not null
    union all
    select
        'learning_costs' as raw_table,
        quarantine_reason,
        row_payload,
        cast(cost_id as {{ dbt.type_string() }}) as row_key
    from base_finance__learning_costs
    where quarantine_reason is not null
    union all
    select
        'support_tickets' as raw_table,
        quarantine_reason,
        row_payload,
        cast(ticket_id as {{ dbt.type_string() }}) as row_key
    from base_support__tickets
    where quarantine_reason is not null
    union all
    select
        'subscription_events' as raw_table,
        quarantine_reason,
        row_payload,
        cast(subscription_event_id as {{ dbt.type_string() }}) as row_key
    from base_billing__subscription_events
    where quarantine_reason is not null
    union all
    select
        'experiment_assignments' as raw_table,
        quarantine_reason,
        row_payload,
        cast(experiment_id || '|' || tenant_id as {{ dbt.type_string() }}) as row_key
    from base_app__experiment_assignments
    where quarantine_reason is not null
),

numbered as (
    -- identical raw rows (e.g. repeated copies of one key) are told apart
    -- by their rank among equals, so the id is stable from run to run
    select
        *,
        row_number() over (
            partition by raw_table, row_payload
            order by quarantine_reason, row_key
        ) as copy_number
    from quarantined
),

final as (
    select
        md5(
            raw_table || '|' || row_payload || '|' || cast(copy_number as {{ dbt.type_string() }})
        ) as quarantined_row_id,
        raw_table,
        row_key,
        quarantine_reason,
        row_payload
    from numbered
)

select * from final

{{ config(materialized='table') }}  {#- every reader of a view would re-parse the raw file -#}

with

source as (
    select * from {{ source('support', 'support_tickets') }}
),

tenants as (
    select * from {{ ref('stg_app__tenants') }}
),

users as (
    select * from {{ ref('stg_app__users') }}
),

plausibility_bounds_timestamps as (
    select * from {{ ref('plausibility_bounds_timestamps') }}
),

plausibility_bounds_numbers as (
    select * from {{ ref('plausibility_bounds_numbers') }}
),

renamed as (
    select
        ----------  ids
        {{ clean_string('ticket_id') }} as ticket_id,
        {{ clean_string('tenant_id') }} as tenant_id,
        {{ clean_string('user_id') }} as user_id,

        ----------  strings
        {{ clean_string('category') }} as ticket_category,

        ----------  numerics
        {{ to_integer('tier') }} as ticket_tier,

        ----------  timestamps
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('resolved_at') }} as resolved_at,
        {{ is_unparseable_timestamp('resolved_at') }} as is_resolved_at_unparseable,

        ----------  the raw row, for the quarantine
        {{ row_payload('source') }} as raw_payload

    from source
),

validated as (
    select
        renamed.*,
        case
            when renamed.ticket_id is null or renamed.tenant_id is null then 'missing_key'
            when renamed.created_at is null or renamed.is_resolved_at_unparseable
                then 'unparseable_timestamp'
            when
                renamed.ticket_tier is null
                or {{ is_implausible_number('renamed.ticket_tier', 'support_tickets', 'tier') }}
                then 'invalid_value'
            when tenants.tenant_id is null then 'unknown_tenant'
            when renamed.user_id is not null and users.user_id is null then 'unknown_user'
            when users.tenant_id != renamed.tenant_id then 'user_tenant_mismatch'
            when
                {{ is_implausible_timestamp('renamed.created_at', 'support_tickets', 'created_at') }}
                or {{ is_implausible_timestamp('renamed.resolved_at', 'support_tickets', 'resolved_at') }}
                then 'timestamp_out_of_range'
        end as rule_reason
    from renamed
    left join tenants
        on renamed.tenant_id = tenants.tenant_id
    left join users
        on renamed.user_id = users.user_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by ticket_id, rule_reason is null
            order by created_at, raw_payload
        ) as key_rank
    from validated
),

final as (
    select
        ticket_id,
        tenant_id,
        user_id,
        created_at,
        {{ to_plausible_integer('ticket_tier', 'support_tickets', 'tier') }} as ticket_tier,
        ticket_category,
        resolved_at,
        coalesce(
            rule_reason,
            case when key_rank > 1 then 'duplicate_key' end
        ) as quarantine_reason,
        case
            when rule_reason is not null or key_rank > 1 then raw_payload
        end as row_payload
    from ranked
)

select * from final

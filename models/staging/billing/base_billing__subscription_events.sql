with

source as (
    select * from {{ source('billing', 'subscription_events') }}
),

tenants as (
    select * from {{ ref('stg_app__tenants') }}
),

allowed_values as (
    select * from {{ ref('allowed_values') }}
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
        {{ clean_string('subscription_event_id') }} as subscription_event_id,
        {{ clean_string('tenant_id') }} as tenant_id,

        ----------  strings
        {{ clean_string('event_type') }} as event_type,

        ----------  numerics
        {{ to_integer('seats_delta') }} as seats_delta,
        {{ to_double('mrr_delta_usd') }} as mrr_delta_usd,
        not {{ is_blank('seats_delta') }} and {{ to_integer('seats_delta') }} is null as is_seats_delta_invalid,
        not {{ is_blank('mrr_delta_usd') }} and {{ to_double('mrr_delta_usd') }} is null as is_mrr_delta_invalid,

        ----------  timestamps
        {{ to_utc('effective_at') }} as effective_at,

        ----------  the raw row, for the quarantine
        {{ row_payload('source') }} as raw_payload

    from source
),

validated as (
    select
        renamed.*,
        case
            when renamed.subscription_event_id is null or renamed.tenant_id is null then 'missing_key'
            when renamed.effective_at is null then 'unparseable_timestamp'
            when
                renamed.event_type is null
                or renamed.event_type not in (
                    select allowed_values.allowed_value
                    from allowed_values
                    where allowed_values.column_name = 'subscription_event_type'
                )
                or renamed.is_seats_delta_invalid
                or renamed.is_mrr_delta_invalid
                or {{ is_implausible_number('renamed.seats_delta', 'subscription_events', 'seats_delta') }}
                or {{ is_implausible_number('renamed.mrr_delta_usd', 'subscription_events', 'mrr_delta_usd') }}
                then 'invalid_value'
            when tenants.tenant_id is null then 'unknown_tenant'
            when {{ is_implausible_timestamp('renamed.effective_at', 'subscription_events', 'effective_at') }}
                then 'timestamp_out_of_range'
        end as rule_reason
    from renamed
    left join tenants
        on renamed.tenant_id = tenants.tenant_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by subscription_event_id, rule_reason is null
            order by effective_at, raw_payload
        ) as key_rank
    from validated
),

final as (
    select
        subscription_event_id,
        tenant_id,
        event_type,
        effective_at,
        {{ to_plausible_integer('seats_delta', 'subscription_events', 'seats_delta') }} as seats_delta,
        mrr_delta_usd,
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

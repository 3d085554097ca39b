{{ config(materialized='table') }}  {#- every reader of a view would re-parse the raw file -#}

with

source as (
    select * from {{ source('app', 'users') }}
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

without_email as (
    -- the e-mail (PII) is dropped before anything else: nothing derived
    -- from it leaves the raw layer, not even in a quarantine payload
    select
        user_id,
        tenant_id,
        persona,
        created_at,
        deactivated_at
    from source
),

renamed as (
    select
        ----------  ids
        {{ clean_string('user_id') }} as user_id,
        {{ clean_string('tenant_id') }} as tenant_id,

        ----------  strings
        {{ clean_string('persona') }} as persona,

        ----------  timestamps
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('deactivated_at') }} as deactivated_at,
        {{ is_unparseable_timestamp('deactivated_at') }} as is_deactivated_at_unparseable,

        ----------  the raw row without the e-mail, for the quarantine
        {{ row_payload('without_email') }} as raw_payload

    from without_email
),

validated as (
    select
        renamed.*,
        case
            when renamed.user_id is null or renamed.tenant_id is null then 'missing_key'
            when renamed.created_at is null or renamed.is_deactivated_at_unparseable
                then 'unparseable_timestamp'
            when
                renamed.persona is null
                or renamed.persona not in (
                    select allowed_values.allowed_value
                    from allowed_values
                    where allowed_values.column_name = 'persona'
                )
                then 'invalid_value'
            when tenants.tenant_id is null then 'unknown_tenant'
            when
                {{ is_implausible_timestamp('renamed.created_at', 'users', 'created_at') }}
                or {{ is_implausible_timestamp('renamed.deactivated_at', 'users', 'deactivated_at') }}
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
            partition by user_id, rule_reason is null
            order by created_at, raw_payload
        ) as key_rank
    from validated
),

final as (
    select
        user_id,
        tenant_id,
        persona,
        created_at,
        deactivated_at,
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

{{ config(materialized='table') }}  {#- every reader of a view would re-parse the raw file -#}

with

source as (
    select * from {{ source('learning', 'certifications') }}
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

renamed as (
    select
        ----------  ids
        {{ clean_string('certification_id') }} as certification_id,
        {{ clean_string('tenant_id') }} as tenant_id,
        {{ clean_string('user_id') }} as user_id,

        ----------  strings
        {{ clean_string('certification_name') }} as certification_name,
        {{ clean_string('level') }} as certification_level,

        ----------  timestamps
        {{ to_utc('issued_at') }} as issued_at,

        ----------  the raw row, for the quarantine
        {{ row_payload('source') }} as raw_payload

    from source
),

validated as (
    select
        renamed.*,
        case
            when
                renamed.certification_id is null
                or renamed.tenant_id is null
                or renamed.user_id is null
                then 'missing_key'
            when renamed.issued_at is null then 'unparseable_timestamp'
            when tenants.tenant_id is null then 'unknown_tenant'
            when users.user_id is null then 'unknown_user'
            when users.tenant_id != renamed.tenant_id then 'user_tenant_mismatch'
            when {{ is_implausible_timestamp('renamed.issued_at', 'certifications', 'issued_at') }}
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
            partition by certification_id, rule_reason is null
            order by issued_at, raw_payload
        ) as key_rank
    from validated
),

final as (
    select
        certification_id,
        tenant_id,
        user_id,
        certification_name,
        certification_level,
        issued_at,
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

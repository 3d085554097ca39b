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

email_hashed as (
    -- the raw e-mail is replaced by its hash before anything else
    select {{ raw_columns_replacing('users', {'email': hash_email('email')}) }}
    from source
),

renamed as (
    select
        ----------  ids
        {{ clean_string('user_id') }} as user_id,
        {{ clean_string('tenant_id') }} as tenant_id,

        ----------  strings
        {{ clean_string('persona') }} as persona,
        email as email_hash,

        ----------  timestamps
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('deactivated_at') }} as deactivated_at,
        {{ is_unparseable_timestamp('deactivated_at') }} as is_deactivated_at_unparseable,

        ----------  the raw row, for the quarantine (e-mail replaced by its hash)
        {{ row_payload('email_hashed') }} as raw_payload

    from email_hashed
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
        email_hash,
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

{{ config(materialized='table') }}  {#- every reader of a view would re-parse the raw file -#}

with

source as (
    select * from {{ source('app', 'tenants') }}
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
        {{ clean_string('tenant_id') }} as tenant_id,

        ----------  strings
        {{ clean_string('tenant_name') }} as tenant_name,
        {{ clean_string('industry') }} as industry,
        {{ clean_string('plan_tier') }} as plan_tier,
        {{ clean_string('region') }} as region,

        ----------  numerics
        {{ to_integer('seats_purchased') }} as seats_purchased,

        ----------  timestamps
        {{ to_utc('signed_at') }} as signed_at,
        {{ to_utc('onboarded_at') }} as onboarded_at,

        ----------  the raw row, for the quarantine
        {{ row_payload('source') }} as raw_payload

    from source
),

validated as (
    select
        *,
        case
            when tenant_id is null then 'missing_key'
            when signed_at is null or onboarded_at is null then 'unparseable_timestamp'
            when
                industry is null
                or industry not in (
                    select allowed_values.allowed_value
                    from allowed_values
                    where allowed_values.column_name = 'industry'
                )
                or plan_tier is null
                or plan_tier not in (
                    select allowed_values.allowed_value
                    from allowed_values
                    where allowed_values.column_name = 'plan_tier'
                )
                or seats_purchased is null
                or {{ is_implausible_number('seats_purchased', 'tenants', 'seats_purchased') }}
                then 'invalid_value'
            when
                {{ is_implausible_timestamp('signed_at', 'tenants', 'signed_at') }}
                or {{ is_implausible_timestamp('onboarded_at', 'tenants', 'onboarded_at') }}
                then 'timestamp_out_of_range'
        end as rule_reason
    from renamed
),

ranked as (
    select
        *,
        row_number() over (
            partition by tenant_id, rule_reason is null
            order by onboarded_at, raw_payload
        ) as key_rank
    from validated
),

final as (
    select
        tenant_id,
        tenant_name,
        industry,
        plan_tier,
        region,
        {{ to_plausible_integer('seats_purchased', 'tenants', 'seats_purchased') }} as seats_purchased,
        signed_at,
        onboarded_at,
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

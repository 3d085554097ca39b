{{ config(materialized='table') }}  {#- every reader of a view would re-parse the raw file -#}

with

source as (
    select * from {{ source('finance', 'learning_costs') }}
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
        {{ clean_string('cost_id') }} as cost_id,
        {{ clean_string('tenant_id') }} as tenant_id,

        ----------  strings
        {{ clean_string('category') }} as cost_category,

        ----------  numerics
        {{ to_double('amount_usd') }} as amount_usd,

        ----------  dates
        cast({{ dbt.date_trunc('month', to_utc('month')) }} as date) as cost_month,

        ----------  the raw row, for the quarantine
        {{ row_payload('source') }} as raw_payload

    from source
),

validated as (
    select
        renamed.*,
        case
            when renamed.cost_id is null then 'missing_key'
            when renamed.cost_month is null then 'unparseable_timestamp'
            when
                renamed.cost_category is null
                or renamed.cost_category not in (
                    select allowed_values.allowed_value
                    from allowed_values
                    where allowed_values.column_name = 'cost_category'
                )
                or renamed.amount_usd is null
                or {{ is_implausible_number('renamed.amount_usd', 'learning_costs', 'amount_usd') }}
                then 'invalid_value'
            when renamed.tenant_id is not null and tenants.tenant_id is null then 'unknown_tenant'
            when {{ is_implausible_timestamp('renamed.cost_month', 'learning_costs', 'month') }}
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
            partition by cost_id, rule_reason is null
            order by cost_month, raw_payload
        ) as key_rank
    from validated
),

final as (
    select
        cost_id,
        tenant_id,
        cost_month,
        cost_category,
        amount_usd,
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

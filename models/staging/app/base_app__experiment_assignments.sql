{{ config(materialized='table') }}  {#- every reader of a view would re-parse the raw file -#}

with

source as (
    select * from {{ source('app', 'experiment_assignments') }}
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

renamed as (
    select
        ----------  ids
        {{ clean_string('experiment_id') }} as experiment_id,
        {{ clean_string('tenant_id') }} as tenant_id,

        ----------  strings
        {{ clean_string('arm') }} as arm,

        ----------  timestamps
        {{ to_utc('assigned_at') }} as assigned_at,

        ----------  the raw row, for the quarantine
        {{ row_payload('source') }} as raw_payload

    from source
),

validated as (
    select
        renamed.*,
        case
            when renamed.experiment_id is null or renamed.tenant_id is null then 'missing_key'
            when renamed.assigned_at is null then 'unparseable_timestamp'
            when
                renamed.arm is null
                or renamed.arm not in (
                    select allowed_values.allowed_value
                    from allowed_values
                    where allowed_values.column_name = 'experiment_arm'
                )
                then 'invalid_value'
            when tenants.tenant_id is null then 'unknown_tenant'
            when {{ is_implausible_timestamp('renamed.assigned_at', 'experiment_assignments', 'assigned_at') }}
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
            partition by experiment_id, tenant_id, rule_reason is null
            order by assigned_at, raw_payload
        ) as key_rank
    from validated
),

final as (
    select
        experiment_id,
        tenant_id,
        arm,
        assigned_at,
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

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

plausibility_bounds as (
    select * from {{ ref('plausibility_bounds') }}
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
    {{ base_typed_select('users', 'without_email') }}
),

validated as (
    {{ base_quarantine_reasons('users', 'renamed', table_rules={'invalid_value': [
        is_not_allowed_value('renamed.persona', 'persona'),
    ]}) }}
),

ranked as (
    {{ base_key_ranked('users', 'validated') }}
),

final as (
    {{ base_final_select('users', 'ranked') }}
)

select * from final

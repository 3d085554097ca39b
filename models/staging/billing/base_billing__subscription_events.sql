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

plausibility_bounds as (
    select * from {{ ref('plausibility_bounds') }}
),

renamed as (
    {{ base_typed_select('subscription_events', 'source') }}
),

validated as (
    {{ base_quarantine_reasons('subscription_events', 'renamed', table_rules={'invalid_value': [
        is_not_allowed_value('renamed.event_type', 'subscription_event_type'),
    ]}) }}
),

ranked as (
    {{ base_key_ranked('subscription_events', 'validated') }}
),

final as (
    {{ base_final_select('subscription_events', 'ranked') }}
)

select * from final

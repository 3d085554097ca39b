{{ config(materialized='table') }}  {#- every reader of a view would re-parse the raw file -#}

with

source as (
    select * from {{ source('app', 'tenants') }}
),

allowed_values as (
    select * from {{ ref('allowed_values') }}
),

plausibility_bounds as (
    select * from {{ ref('plausibility_bounds') }}
),

renamed as (
    {{ base_typed_select('tenants', 'source') }}
),

validated as (
    {{ base_quarantine_reasons('tenants', 'renamed', table_rules={'invalid_value': [
        is_not_allowed_value('renamed.industry', 'industry'),
        is_not_allowed_value('renamed.plan_tier', 'plan_tier'),
    ]}) }}
),

ranked as (
    {{ base_key_ranked('tenants', 'validated') }}
),

final as (
    {{ base_final_select('tenants', 'ranked') }}
)

select * from final

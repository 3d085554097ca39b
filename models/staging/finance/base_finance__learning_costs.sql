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

plausibility_bounds as (
    select * from {{ ref('plausibility_bounds') }}
),

renamed as (
    {{ base_typed_select('learning_costs', 'source') }}
),

validated as (
    {{ base_quarantine_reasons('learning_costs', 'renamed', table_rules={'invalid_value': [
        is_not_allowed_value('renamed.cost_category', 'cost_category'),
    ]}) }}
),

ranked as (
    {{ base_key_ranked('learning_costs', 'validated') }}
),

final as (
    {{ base_final_select('learning_costs', 'ranked') }}
)

select * from final

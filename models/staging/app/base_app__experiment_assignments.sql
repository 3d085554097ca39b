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

plausibility_bounds as (
    select * from {{ ref('plausibility_bounds') }}
),

renamed as (
    {{ base_typed_select('experiment_assignments', 'source') }}
),

validated as (
    {{ base_quarantine_reasons('experiment_assignments', 'renamed', table_rules={'invalid_value': [
        is_not_allowed_value('renamed.arm', 'experiment_arm'),
    ]}) }}
),

ranked as (
    {{ base_key_ranked('experiment_assignments', 'validated') }}
),

final as (
    {{ base_final_select('experiment_assignments', 'ranked') }}
)

select * from final

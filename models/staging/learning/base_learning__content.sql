{{ config(materialized='table') }}  {#- every reader of a view would re-parse the raw file -#}

with

source as (
    select * from {{ source('learning', 'content') }}
),

plausibility_bounds as (
    select * from {{ ref('plausibility_bounds') }}
),

renamed as (
    {{ base_typed_select('content', 'source') }}
),

validated as (
    {{ base_quarantine_reasons('content', 'renamed') }}
),

ranked as (
    {{ base_key_ranked('content', 'validated') }}
),

final as (
    {{ base_final_select('content', 'ranked') }}
)

select * from final

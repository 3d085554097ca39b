{{ config(materialized='table') }}  {#- every reader of a view would re-parse the raw file -#}

with

source as (
    select * from {{ source('learning', 'certifications') }}
),

tenants as (
    select * from {{ ref('stg_app__tenants') }}
),

users as (
    select * from {{ ref('stg_app__users') }}
),

plausibility_bounds as (
    select * from {{ ref('plausibility_bounds') }}
),

renamed as (
    {{ base_typed_select('certifications', 'source') }}
),

validated as (
    {{ base_quarantine_reasons('certifications', 'renamed') }}
),

ranked as (
    {{ base_key_ranked('certifications', 'validated') }}
),

final as (
    {{ base_final_select('certifications', 'ranked') }}
)

select * from final

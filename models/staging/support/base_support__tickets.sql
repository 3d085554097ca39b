{{ config(materialized='table') }}  {#- every reader of a view would re-parse the raw file -#}

with

source as (
    select * from {{ source('support', 'support_tickets') }}
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
    {{ base_typed_select('support_tickets', 'source') }}
),

validated as (
    {{ base_quarantine_reasons('support_tickets', 'renamed') }}
),

ranked as (
    {{ base_key_ranked('support_tickets', 'validated') }}
),

final as (
    {{ base_final_select('support_tickets', 'ranked') }}
)

select * from final

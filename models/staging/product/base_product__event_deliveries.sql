{#
    Counts over the raw event file, independent of the incremental base
    model: every delivered row, and the repeated deliveries of an event_id
    (rows with an event_id minus distinct event_ids). dq_row_accounting
    checks that the staged and quarantined rows account for the rest.
    A one-row table, not a view (perf): its two tests and dq_row_accounting
    would otherwise each recount the distinct event_ids of the raw file.
#}
{{ config(materialized='table') }}

with

source as (
    select * from {{ source('product', 'events') }}
),

keyed as (
    select {{ clean_string('event_id') }} as event_id
    from source
),

final as (
    select
        count(*) as rows_raw,
        count(event_id) - count(distinct event_id) as rows_duplicate
    from keyed
)

select * from final

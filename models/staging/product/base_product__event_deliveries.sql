{#
    Counts over the raw event file per load date (the UTC date of
    received_at; null when it does not parse), independent of the
    incremental base model: every delivered row, and the repeated deliveries
    of an event_id. The base model keeps an event's earliest delivery, so a
    repeated event_id counts its later deliveries as duplicates, each on its
    own load date. dq_row_accounting checks that the staged and quarantined
    rows account for the rest.
    A table, not a view (perf): its tests and dq_row_accounting would
    otherwise each recount the raw file.
#}
{{ config(materialized='table') }}

with

source as (
    select * from {{ source('product', 'events') }}
),

keyed as (
    select
        {{ clean_string('event_id') }} as event_id,
        cast({{ to_utc('received_at') }} as date) as load_date
    from source
),

repeated_event_ids as (
    -- almost every event_id arrives once: only the repeated ones are ranked
    select event_id
    from keyed
    where event_id is not null
    group by 1
    having count(*) > 1
),

repeated_deliveries_ranked as (
    select
        keyed.load_date,
        row_number() over (
            partition by keyed.event_id
            order by keyed.load_date asc nulls last
        ) as delivery_rank
    from keyed
    inner join repeated_event_ids
        on keyed.event_id = repeated_event_ids.event_id
),

counts_unioned as (
    select
        load_date,
        count(*) as rows_raw,
        0 as rows_duplicate
    from keyed
    group by 1
    union all
    select
        load_date,
        0 as rows_raw,
        count(*) as rows_duplicate
    from repeated_deliveries_ranked
    where delivery_rank > 1
    group by 1
),

final as (
    select
        load_date,
        cast(sum(rows_raw) as bigint) as rows_raw,
        cast(sum(rows_duplicate) as bigint) as rows_duplicate
    from counts_unioned
    group by 1
)

select * from final

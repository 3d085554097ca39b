{#
    Counts of the raw events per load date, independent of the incremental
    base model, for dq_row_accounting: every delivered row (rows_raw), and
    the repeated deliveries of an event_id (rows_duplicate). The base model
    keeps an event's earliest delivery, so a repeated event_id counts its
    later deliveries as duplicates, each on its own load date;
    dq_row_accounting checks that the staged and quarantined rows account
    for the rest.

    A partitioned delivery: rows_raw comes from the Parquet footers of every
    partition (raw.events_partitions, no scan); the duplicates are counted
    once per partition, when it is read, by
    base_product__event_partition_duplicates, which dq_row_accounting adds
    (0 here). A partition the load never read keeps its rows_raw and gets no
    staged row, so the accounting identity fails on its load date.

    A single file: a full recount of the raw file on every run (the load
    date is the UTC date of received_at; null when it does not parse). It
    is independent of the incremental load's received_at window, so a row
    the load misses (a late file received before the window) shows up.
    A table, not a view (perf): its tests and dq_row_accounting would
    otherwise each recount the raw file.
#}
{{ config(materialized='table') }}

{%- set partitioned = events_delivered_in_partitions() %}
{#- set at parse time too, so that dbt records the dependencies -#}
{%- set raw_events = source('product', 'events') %}
{%- set events_partitions = source('product', 'events_partitions') %}

{% if not partitioned %}
    with

    source as (
        select * from {{ raw_events }}
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

{% else %}
    with

    partitions as (
        select * from {{ events_partitions }}
    ),

    final as (
        select
            load_date,
            cast(rows_raw as bigint) as rows_raw,
            -- counted once per partition by base_product__event_partition_duplicates
            cast(0 as bigint) as rows_duplicate
        from partitions
    )
{% endif %}

select * from final

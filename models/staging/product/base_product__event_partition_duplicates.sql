{#
    Partitioned events delivery only (empty for a single file): one row per
    load_date partition the events load has read, with its repeated
    deliveries, counted when the partition is read, never recounted. Kept
    apart from the load (base_product__events), so that
    base_product__event_deliveries and dq_row_accounting check the load
    instead of repeating it.

    A partition's rows with an event_id are either the kept delivery of
    their event_id or a duplicate (base_product__events keeps one delivery
    per event_id). So its duplicates are its rows with an event_id, minus
    its distinct event_ids, plus its event_ids kept from another partition:
    an id check against the stored rows, not a recount of the raw history.
    A row the load lost is not counted as a duplicate, so the accounting
    identity fails on its load date. The count is made when the partition
    is read (and again while it is in the lookback days): a later partition
    that takes over an event's kept delivery from an older one outside the
    lookback (an out-of-order partition, or a parseable copy of an event
    first delivered with an unparseable received_at) makes the older
    partition's identity fail until a full refresh.

    Incremental by partition: each run reads the partitions it does not
    hold yet plus the lookback days (events_partitions_to_load, the same
    rule as the load, applied to this table).
#}
{{
    config(
        materialized='incremental',
        unique_key='load_date',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

{%- set partitioned = events_delivered_in_partitions() %}
{#- set at parse time too, so that dbt records the dependencies -#}
{%- set raw_events = source('product', 'events') %}
{%- set events_partitions = source('product', 'events_partitions') %}

with

events as (
    select * from {{ ref('base_product__events') }}
),

{% if partitioned %}
    source as (
        select * from {{ raw_events }}
        {% if is_incremental() %}
            where {{ events_partition_filter('load_date', events_partitions_to_load(this, events_partitions)) }}
        {% endif %}
    ),

    keyed as (
        select
            {{ clean_string('event_id') }} as event_id,
            cast(load_date as date) as load_date
        from source
    ),

    partition_counts as (
        select
            load_date,
            count(*) as rows_read,
            count(event_id) as rows_with_event_id,
            count(distinct event_id) as distinct_event_ids
        from keyed
        group by 1
    ),

    partition_event_ids as (
        select distinct
            load_date,
            event_id
        from keyed
        where event_id is not null
    ),

    kept_from_other_partitions as (
        select
            partition_event_ids.load_date,
            count(*) as event_ids
        from partition_event_ids
        inner join events
            on partition_event_ids.event_id = events.event_id
        where events.load_date != partition_event_ids.load_date
        group by 1
    ),

    final as (
        select
            partition_counts.load_date,
            cast(partition_counts.rows_read as bigint) as rows_read,
            cast(
                partition_counts.rows_with_event_id
                - partition_counts.distinct_event_ids
                + coalesce(kept_from_other_partitions.event_ids, 0)
                as bigint
            ) as rows_duplicate
        from partition_counts
        left join kept_from_other_partitions
            on partition_counts.load_date = kept_from_other_partitions.load_date
    )
{% else %}
    final as (
        select
            cast(null as date) as load_date,
            cast(null as bigint) as rows_read,
            cast(null as bigint) as rows_duplicate
        from events
        where false
    )
{% endif %}

select * from final

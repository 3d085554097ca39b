{#
    Where every raw row went: one row per raw table and, for the
    incrementally loaded events, one per load date (the partition's date for
    a partitioned delivery, else the UTC date of received_at). rows_raw of a
    non-event table is the row count of its base model (one row per raw row,
    tested with equal_row_count against the source); for events it comes
    from base_product__event_deliveries (the Parquet footers of every
    partition, or a recount of a single raw file), together with the
    repeated deliveries, so the identity rows_raw = staged + quarantined +
    duplicates is a real check on every load date, and a partition the load
    never read fails it. The eight fully reloaded tables share one shape of
    count, written once in the loops below.
#}

{%- set reloaded_tables = [
    ('tenants', 'app__tenants'),
    ('users', 'app__users'),
    ('certifications', 'learning__certifications'),
    ('content', 'learning__content'),
    ('learning_costs', 'finance__learning_costs'),
    ('support_tickets', 'support__tickets'),
    ('subscription_events', 'billing__subscription_events'),
    ('experiment_assignments', 'app__experiment_assignments'),
] %}

with

{% for raw_table, entity in reloaded_tables %}
    base_{{ entity }} as (
        select * from {{ ref('base_' ~ entity) }}
    ),

    stg_{{ entity }} as (
        select * from {{ ref('stg_' ~ entity) }}
    ),

{% endfor %}
base_product__events as (
    select * from {{ ref('base_product__events') }}
),

stg_product__events as (
    select * from {{ ref('stg_product__events') }}
),

event_deliveries as (
    select * from {{ ref('base_product__event_deliveries') }}
),

event_partition_duplicates as (
    select * from {{ ref('base_product__event_partition_duplicates') }}
),

{% for raw_table, entity in reloaded_tables %}
    {{ raw_table }}_counted as (
        select
            count(*) as rows_raw,
            0 as rows_duplicate,
            (select count(*) from stg_{{ entity }}) as rows_staged,
            count(quarantine_reason) as rows_quarantined
        from base_{{ entity }}
    ),

{% endfor %}
events_counts_unioned as (
    -- per load date; unioned and summed, not joined, because load_date is
    -- null for rows whose received_at does not parse
    select
        load_date,
        rows_raw,
        rows_duplicate,
        0 as rows_staged,
        0 as rows_quarantined
    from event_deliveries
    union all
    -- a partitioned delivery's duplicates, counted when each partition was read
    select
        load_date,
        0 as rows_raw,
        rows_duplicate,
        0 as rows_staged,
        0 as rows_quarantined
    from event_partition_duplicates
    union all
    select
        load_date,
        0 as rows_raw,
        0 as rows_duplicate,
        count(*) as rows_staged,
        0 as rows_quarantined
    from stg_product__events
    group by 1
    union all
    select
        load_date,
        0 as rows_raw,
        0 as rows_duplicate,
        0 as rows_staged,
        count(*) as rows_quarantined
    from base_product__events
    where quarantine_reason is not null
    group by 1
    union all
    -- an empty events file still gets its row, as every other raw table does
    select
        cast(null as date) as load_date,
        0 as rows_raw,
        0 as rows_duplicate,
        0 as rows_staged,
        0 as rows_quarantined
    where not exists (select 1 from event_deliveries)
),

events_counted as (
    select
        load_date,
        sum(rows_raw) as rows_raw,
        sum(rows_duplicate) as rows_duplicate,
        sum(rows_staged) as rows_staged,
        sum(rows_quarantined) as rows_quarantined
    from events_counts_unioned
    group by 1
),

unioned as (
    select
        'events' as raw_table,
        load_date,
        rows_raw,
        rows_staged,
        rows_quarantined,
        rows_duplicate
    from events_counted
    {%- for raw_table, entity in reloaded_tables %}
        union all
        select
            '{{ raw_table }}' as raw_table,
            cast(null as date) as load_date,
            rows_raw,
            rows_staged,
            rows_quarantined,
            rows_duplicate
        from {{ raw_table }}_counted
    {%- endfor %}
),

final as (
    select
        raw_table,
        load_date,
        cast(rows_raw as bigint) as rows_raw,
        cast(rows_staged as bigint) as rows_staged,
        cast(rows_quarantined as bigint) as rows_quarantined,
        cast(rows_duplicate as bigint) as rows_duplicate
    from unioned
)

select * from final

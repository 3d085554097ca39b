{#
    The kept delivery of each event_id among a batch of raw event rows
    (base_product__events), the rule of DEVELOPERS.md "Load date and the kept
    delivery of an event": a delivery whose received_at parses first, then
    the earliest load date, then the earliest received_at (the remaining
    columns only make the order total). In an incremental run the stored
    rows of the batch's event_ids compete too (is_stored true, raw_row
    null), so the table equals a full refresh. Rows without an event_id are
    all kept (quarantined later as missing_key).

    batch: CTE of the batch's rows with event_id, load_date, received_at,
    occurred_at, tenant_id, user_id, event_name, properties and raw_row.
    Returns those columns, is_stored, is_repeated and delivery_rank (1).
#}
{% macro events_first_deliveries(batch) -%}
    {%- set delivery_columns = [
        'event_id', 'load_date', 'received_at', 'occurred_at', 'tenant_id', 'user_id', 'event_name', 'properties',
    ] %}
    with

    delivery_candidates as (
        select
            {{ delivery_columns | join(', ') }},
            raw_row,
            false as is_stored
        from {{ batch }}
        {% if is_incremental() %}
            union all
            select
                {{ delivery_columns | join(', ') }},
                null as raw_row,
                true as is_stored
            from {{ this }}
            -- the stored ids are found reading the one column, then their
            -- rows (almost always none): a semi-join on all the delivery
            -- columns reads every stored row's properties too
            where event_id in (
                select stored.event_id
                from {{ this }} as stored
                where stored.event_id in (select {{ batch }}.event_id from {{ batch }})
            )
        {% endif %}
    ),

    repeated_event_ids as (
        -- almost every event_id arrives once: only the repeated ones are ranked
        select event_id
        from delivery_candidates
        where event_id is not null
        group by 1
        having count(*) > 1
    ),

    -- read twice (single and repeated deliveries): inlined, not copied with every raw row
    deliveries_flagged as {{ cte_not_materialized() }} (
        select
            delivery_candidates.*,
            repeated_event_ids.event_id is not null as is_repeated
        from delivery_candidates
        left join repeated_event_ids
            on delivery_candidates.event_id = repeated_event_ids.event_id
    ),

    repeated_deliveries_ranked as (
        select
            *,
            row_number() over (
                partition by event_id
                order by
                    -- a delivery whose received_at parses wins, whatever its partition
                    case when received_at is null then 1 else 0 end,
                    load_date asc nulls last,
                    received_at asc nulls last,
                    occurred_at asc nulls last,
                    tenant_id asc nulls last,
                    user_id asc nulls last,
                    event_name asc nulls last,
                    properties asc nulls last,
                    is_stored desc
            ) as delivery_rank
        from deliveries_flagged
        where is_repeated
    ),

    first_deliveries as (
        select
            *,
            1 as delivery_rank
        from deliveries_flagged
        where not is_repeated
        union all
        select * from repeated_deliveries_ranked
        where delivery_rank = 1
    )

    select * from first_deliveries
{%- endmacro %}

{#
    Incremental. A single-file delivery: each run reads the raw rows
    received since the latest staged received_at minus
    var('events_lookback_days'), plus rows whose received_at does not parse.
    A partitioned delivery (events/load_date=YYYY-MM-DD/): each run reads
    only the partitions it does not hold yet (events_partitions_to_load,
    without the lookback days: a partition is delivered once and never
    rewritten, and a re-read row loses every tie to its stored copy, so
    re-reading held partitions cannot change the table); the filter on the
    partition column prunes the other files unread. One row per event_id (its first
    delivery among the batch and the stored rows, macro
    events_first_deliveries: the table equals a full refresh) plus every row
    without an event_id (quarantined as missing_key, keyed by a hash of the
    row). load_date is the partition's date, or for a single file the UTC
    date of received_at (null when it does not parse). The JSON properties
    are typed from one list (macro event_properties).
    Rules are evaluated against the users and tenants of the run that loads
    the row: stored rows outside the window are not re-checked, so after a
    retroactive fix of users or tenants run `dbt build --full-refresh`.
#}
{{
    config(
        materialized='incremental',
        unique_key='event_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ record_events_load_window(
            source('product', 'events_partitions'),
            this.incorporate(path={'identifier': 'base_product__event_partition_duplicates'}),
        ) }}",
    )
}}

{%- set partitioned = events_delivered_in_partitions() %}
{#- set at parse time too, so that dbt records the dependency -#}
{%- set events_partitions = source('product', 'events_partitions') %}

with

source as (
    select * from {{ source('product', 'events') }}
),

users as (
    select * from {{ ref('stg_app__users') }}
),

tenants as (
    select * from {{ ref('stg_app__tenants') }}
),

event_taxonomy as (
    select * from {{ ref('event_taxonomy') }}
),

plausibility_bounds as (
    select * from {{ ref('plausibility_bounds') }}
),

{% if is_incremental() and not partitioned %}
-- {{ this }} is read in place (no import CTE): a CTE read three times would
-- be materialised, copying the whole table on every incremental run.
load_window as (
    select
        coalesce(
            {{ dbt.dateadd('day', -1 * var('events_lookback_days') | int, 'max(received_at)') }},
            cast('1900-01-01' as timestamp)
        ) as window_start
    from {{ this }}
    where quarantine_reason is null
),
{% endif %}

source_batch as (
    -- filtered on the raw column, before parsing: a filter on the parsed
    -- received_at would run only after every raw row had been parsed
    select * from source
    {% if is_incremental() and partitioned %}
        {#-
            partitions_read: the ledger of partitions read (built after this
            model from its rows, hence no ref: a ref would be a cycle)
        -#}
        {%- set partitions_read = this.incorporate(path={'identifier': 'base_product__event_partition_duplicates'}) %}
        where {{ events_partition_filter('load_date', events_partitions_to_load(this, events_partitions, partitions_read, lookback=false)) }}
    {% elif is_incremental() %}
        where
            {{ to_utc('received_at') }} is null
            or {{ to_utc('received_at') }} >= (select load_window.window_start from load_window)
    {% endif %}
),

renamed as (
    select
        ----------  the raw row, for the quarantine and the missing-key hash
        {% if partitioned -%}
            {{ row_value('source_batch', raw_contract()['events']['columns'] | map(attribute='name') | list) }} as raw_row,
        {%- else -%}
            {{ row_value('source_batch') }} as raw_row,
        {%- endif %}

        ----------  ids
        {{ clean_string('event_id') }} as event_id,
        {{ clean_string('tenant_id') }} as tenant_id,
        {{ clean_string('user_id') }} as user_id,

        ----------  strings
        {{ clean_string('event_name') }} as event_name,
        {{ clean_string('properties') }} as properties,

        ----------  timestamps
        {{ to_utc('occurred_at') }} as occurred_at,
        {{ to_utc('received_at') }} as received_at,

        ----------  dates
        {% if partitioned -%}
            cast(load_date as date) as load_date
        {%- else -%}
            cast({{ to_utc('received_at') }} as date) as load_date
        {%- endif %}

    from source_batch
),

deduplicated as (
    {{ events_first_deliveries('renamed') }}
),

new_events as (
    select * from deduplicated
    where not is_stored
),

properties_parsed as {{ cte_computed_once() }} (
    select
        *,
        {{ json_kind('properties') }} = 'object' as is_json_object,
        {{ json_object_strings('properties', event_properties() | map(attribute='key') | list) }} as property_values
    from new_events
),

properties_typed as (
    select
        *,
        {%- for property in event_properties() %}
            {%- set value = 'property_values[' ~ loop.index ~ ']' %}
            {{ event_property_typed(value, property.kind) }} as {{ property.column }},
        {%- endfor %}
        -- a property present but not of its kind
        false
        {%- for property in event_properties() %}
            {%- set value = 'property_values[' ~ loop.index ~ ']' %}
            {%- if property.kind != 'text' %}
                or ({{ value }} is not null and {{ event_property_typed(value, property.kind) }} is null)
            {%- endif %}
        {%- endfor %}
            as has_malformed_property
    from properties_parsed
),

validated as (
    select
        properties_typed.*,
        event_taxonomy.event_category,
        event_taxonomy.event_name is not null as is_known_event_name,
        cast(properties_typed.occurred_at as date) as occurred_date,
        case
            when
                properties_typed.event_id is null
                or properties_typed.tenant_id is null
                or properties_typed.user_id is null
                then 'missing_key'
            when properties_typed.occurred_at is null or properties_typed.received_at is null
                then 'unparseable_timestamp'
            when
                properties_typed.event_name is null
                or properties_typed.has_malformed_property
                or {{ is_implausible_number('properties_typed.import_rows', 'events', 'properties.rows') }}
                or {{ is_implausible_number('properties_typed.import_errors', 'events', 'properties.errors') }}
                or {{ is_implausible_number('properties_typed.nps_score', 'events', 'properties.score') }}
                or (properties_typed.event_name = 'nps_submitted' and properties_typed.nps_score is null)
                then 'invalid_value'
            when properties_typed.properties is not null and not coalesce(properties_typed.is_json_object, false)
                then 'invalid_json'
            when tenants.tenant_id is null then 'unknown_tenant'
            when users.user_id is null then 'unknown_user'
            when users.tenant_id != properties_typed.tenant_id then 'user_tenant_mismatch'
            when
                {{ is_implausible_timestamp('properties_typed.occurred_at', 'events', 'occurred_at') }}
                or {{ is_implausible_timestamp('properties_typed.received_at', 'events', 'received_at') }}
                or properties_typed.occurred_at < {{ dbt.dateadd('day', -1, 'users.created_at') }}
                or properties_typed.occurred_at > {{ dbt.dateadd('day', 1, 'properties_typed.received_at') }}
                then 'timestamp_out_of_range'
        end as quarantine_reason
    from properties_typed
    left join tenants
        on properties_typed.tenant_id = tenants.tenant_id
    left join users
        on properties_typed.user_id = users.user_id
    left join event_taxonomy
        on properties_typed.event_name = event_taxonomy.event_name
),

new_events_final as (
    select
        coalesce(event_id, 'missing_key:' || md5({{ row_payload('raw_row') }})) as event_key,
        {%- for column in staged_event_columns() %}
            {{ column }},
        {%- endfor %}
        properties,
        {%- for property in event_properties() %}
            {%- if property.kind == 'integer' %}
                {{ to_plausible_integer(property.column, 'events', 'properties.' ~ property.key) }}
                    as {{ property.column }},
            {%- else %}
                {{ property.column }},
            {%- endif %}
        {%- endfor %}
        quarantine_reason,
        case when quarantine_reason is not null then {{ row_payload('raw_row') }} end as row_payload
    from validated
),

-- only the new kept deliveries: a stored row that stays kept is not
-- rewritten (delete+insert replaces the keys written here, so a stored
-- copy that a new delivery beats is deleted, and one that wins is left
-- alone, in its row group of its load date)
final as (
    select * from new_events_final
)

select * from final

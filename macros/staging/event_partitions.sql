{#
    Partition-aware loading of a partitioned events delivery (DuckDB reads
    `events/load_date=YYYY-MM-DD/*.parquet` in place; see
    register_raw_sources). Elsewhere the raw events are one table without
    partitions, and the incremental load falls back to its received_at
    window.
#}

{#
    Whether the raw events arrived as load-date partitions: the raw hook
    lists them in raw.events_partitions. False while parsing, on other
    engines and for a single-file delivery.
#}
{% macro events_delivered_in_partitions() %}
    {{ return(adapter.dispatch('events_delivered_in_partitions', 'tenant_kpis')()) }}
{% endmacro %}

{% macro default__events_delivered_in_partitions() %}
    {{ return(false) }}
{% endmacro %}

{% macro duckdb__events_delivered_in_partitions() %}
    {% if not execute %}
        {{ return(false) }}
    {% endif %}
    {% set listed = run_query(
        "select count(*) from information_schema.tables"
        ~ " where table_schema = 'raw' and table_name = 'events_partitions'"
    )[0][0] %}
    {% if listed == 0 %}
        {{ return(false) }}
    {% endif %}
    {{ return(run_query('select count(*) from raw.events_partitions')[0][0] > 0) }}
{% endmacro %}


{#
    The load dates (as 'YYYY-MM-DD' strings, sorted) an incremental model
    keyed by load_date must (re)read: every delivered partition it does not
    hold yet, however old (a partition that was never loaded is loaded
    now), plus, with `lookback`, the partitions of the last
    var('events_lookback_days') days it holds (the same lookback as the
    received_at window of a single-file delivery). `loaded` is the
    incremental model itself; `partitions` is
    source('product', 'events_partitions'); `also_read`, if it exists, is a
    table keyed by load_date of partitions read before (a partition whose
    every row is a re-sent copy leaves no row in the events table).
#}
{% macro events_partitions_to_load(loaded, partitions, also_read=none, lookback=true) %}
    {% if not execute %}
        {{ return([]) }}
    {% endif %}
    {% set also_read_exists = also_read is not none and adapter.get_relation(
        database=also_read.database, schema=also_read.schema, identifier=also_read.identifier
    ) is not none %}
    {#-
        perf: the held load dates as distinct sets joined once; a correlated
        `not exists` per partition against the events table scanned its
        load_date column once per partition (about 1 s per call on 49M
        stored events, and three calls per weekly run)
    -#}
    {% set to_load = run_query(
        "select cast(partitions.load_date as " ~ dbt.type_string() ~ ") from " ~ partitions ~ " as partitions"
        ~ " left join (select distinct stored.load_date from " ~ loaded ~ " as stored) as stored_dates"
        ~ " on partitions.load_date = stored_dates.load_date"
        ~ (" left join (select distinct read_before.load_date from " ~ also_read ~ " as read_before) as read_dates"
           ~ " on partitions.load_date = read_dates.load_date" if also_read_exists else "")
        ~ " where "
        ~ ("partitions.load_date >= ("
           ~ "select coalesce(cast(" ~ dbt.dateadd('day', -1 * var('events_lookback_days') | int, 'max(load_date)')
           ~ " as date), cast('1900-01-01' as date)) from " ~ loaded ~ ") or " if lookback else "")
        ~ "(stored_dates.load_date is null"
        ~ (" and read_dates.load_date is null" if also_read_exists else "")
        ~ ") order by 1"
    ) %}
    {% set load_dates = [] %}
    {% for row in to_load %}
        {% do load_dates.append(row[0]) %}
    {% endfor %}
    {{ return(load_dates) }}
{% endmacro %}


{# `column in ('2024-01-01', ...)`, or false for no partition. #}
{% macro events_partition_filter(column, load_dates) %}
    {%- if load_dates | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in ('{{ load_dates | join("', '") }}')
    {%- endif -%}
{% endmacro %}

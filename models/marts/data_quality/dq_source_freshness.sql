{#
    Freshness of the nine raw tables against the build's as-of date: per raw
    table the latest load timestamp (received_at for events, the table's
    main timestamp otherwise: the same columns as the sources'
    loaded_at_field), the lag in days and a status. The warn / error
    thresholds are the sources' own `freshness` config (via
    int_source_freshness_thresholds), so `dbt source freshness` and this
    mart share one definition. Timestamps come from the base_ models, so
    quarantined rows still count as loaded, except those quarantined as
    timestamp_out_of_range: a row dated 2030 would otherwise make a stale
    feed look fresh.
#}

{%- set raw_tables = [
    {'raw_table': 'tenants', 'model': 'base_app__tenants', 'column': 'onboarded_at'},
    {'raw_table': 'users', 'model': 'base_app__users', 'column': 'created_at'},
    {'raw_table': 'experiment_assignments', 'model': 'base_app__experiment_assignments', 'column': 'assigned_at'},
    {'raw_table': 'events', 'model': 'base_product__events', 'column': 'received_at'},
    {'raw_table': 'certifications', 'model': 'base_learning__certifications', 'column': 'issued_at'},
    {'raw_table': 'content', 'model': 'base_learning__content', 'column': 'last_updated_at'},
    {'raw_table': 'learning_costs', 'model': 'base_finance__learning_costs', 'column': 'cost_month'},
    {'raw_table': 'support_tickets', 'model': 'base_support__tickets', 'column': 'created_at'},
    {'raw_table': 'subscription_events', 'model': 'base_billing__subscription_events', 'column': 'effective_at'},
] -%}

with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

thresholds as (
    select * from {{ ref('int_source_freshness_thresholds') }}
),
{% for table in raw_tables %}
    {{ table.raw_table }}_rows as (
        select * from {{ ref(table.model) }}
    ),
{% endfor %}
loads as (
    {%- for table in raw_tables %}
        select
            '{{ table.raw_table }}' as raw_table,
            '{{ table.column }}' as timestamp_column,
            count(*) as rows_loaded,
            -- an implausible timestamp (2030, 9999-12-31) is not a load: it would hide a stale feed
            max(case
                when quarantine_reason is null or quarantine_reason != 'timestamp_out_of_range'
                    then cast({{ table.column }} as timestamp)
            end) as max_loaded_at
        from {{ table.raw_table }}_rows
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

lagged as (
    select
        loads.raw_table,
        loads.timestamp_column,
        loads.rows_loaded,
        loads.max_loaded_at,
        as_of.as_of_date,
        thresholds.warn_after_days,
        thresholds.error_after_days,
        cast(
            {{ dbt.datediff('cast(loads.max_loaded_at as date)', 'as_of.as_of_date', 'day') }}
            as integer
        ) as lag_days
    from loads
    cross join as_of
    left join thresholds
        on loads.raw_table = thresholds.raw_table
),

final as (
    select
        raw_table,
        timestamp_column,
        rows_loaded,
        max_loaded_at,
        as_of_date,
        lag_days,
        warn_after_days,
        error_after_days,
        case
            when max_loaded_at is null then 'empty'
            when lag_days > error_after_days then 'error'
            when lag_days > warn_after_days then 'warn'
            else 'fresh'
        end as freshness_status
    from lagged
)

select * from final

{#
    The rows of `events` (an import CTE of stg_product__events) whose
    occurrence dates an incremental model downstream of the events must
    recompute: the events received since `window_start` (a timestamp
    expression: the model's latest stored received_at minus the lookback),
    or loaded since that day (load_date), or loaded by this run of
    base_product__events (events_loaded_since: a partition delivered late
    and out of order holds rows received long before any received_at
    window). One home for the rule: the user-day and user-week aggregates
    recompute the same days.
#}
{% macro events_recomputed_dates(events, window_start) %}
    {%- set loaded_since = events_loaded_since() %}
    select distinct {{ events }}.occurred_date
    from {{ events }}
    where
        {{ events }}.received_at >= {{ window_start }}
        or {{ events }}.load_date >= cast({{ window_start }} as date)
        {%- if loaded_since %}
            or {{ events }}.load_date >= cast('{{ loaded_since }}' as date)
        {%- endif %}
{% endmacro %}

{#
    The incremental load window of a model downstream of the events: its
    latest stored last_received_at minus the lookback (events_lookback_days),
    or 1900-01-01 when it holds no row. One home for the user-day and
    user-week aggregates, read with `{{ this }}` in place.
#}
{% macro events_load_window() %}
    select
        coalesce(
            {{ dbt.dateadd('day', -1 * var('events_lookback_days') | int, 'max(last_received_at)') }},
            cast('1900-01-01' as timestamp)
        ) as window_start
    from {{ this }}
{% endmacro %}

{#
    The first week an incremental weekly model downstream of the events must
    recompute (every later week is recomputed too): the week of any date
    events_recomputed_dates returns, or of a stored row whose
    last_received_at falls in the window (the model's own events_load_window).
    One home for the user-week and tenant-feature-week aggregates, read with
    `{{ this }}` in place.
#}
{% macro events_first_recomputed_week(events) %}
    {%- set window_start = '(select load_window.window_start from load_window)' %}
    with

    load_window as (
        {{ events_load_window() }}
    )

    select min(recomputed_weeks.week_start) as week_start
    from (
        select cast({{ dbt.date_trunc('week', 'received_days.occurred_date') }} as date) as week_start
        from ({{ events_recomputed_dates(events, window_start) }}) as received_days
        union
        select stored_weeks.week_start
        from {{ this }} as stored_weeks
        where stored_weeks.last_received_at >= {{ window_start }}
    ) as recomputed_weeks
{% endmacro %}

{#
    The config of an incremental aggregate downstream of the events: a run
    replaces whole periods (`period_column`: a day or a week), every row of
    each period it recomputes (delete+insert on that column), so a recomputed
    period equals a full refresh. A change of columns fails the run rather
    than leave old periods without them (run `dbt build --full-refresh`).
    One home for the user-day, user-week and tenant-feature-week aggregates.
#}
{% macro events_aggregate_incremental_config(period_column) %}
    {{ return({
        'materialized': 'incremental',
        'unique_key': period_column,
        'incremental_strategy': 'delete+insert',
        'on_schema_change': 'fail',
    }) }}
{% endmacro %}

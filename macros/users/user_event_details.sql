{#
    The per-user aggregate of `rows`: one row per user and event detail
    (event_name, event_category, setup_step, feature_name,
    is_critical_feature) with the first and last occurrence, the import
    volumes and the last received_at. `rows` are staged events, or with
    `merged` rows of the aggregate itself (stored rows and new events'
    rows: the first of the firsts, the last of the lasts, the sum of the
    sums). One home for the grain and the measures of
    int_user_event_details_aggregated: its full refresh, the users it
    recomputes and the merge all go through it.
#}
{% macro user_event_details_grouped(rows, merged=false) %}
    {%- set first = 'first_occurred_at' if merged else 'occurred_at' %}
    {%- set last = 'last_occurred_at' if merged else 'occurred_at' %}
    {%- set received = 'last_received_at' if merged else 'received_at' %}
    select
        {{ rows }}.user_id,
        {{ rows }}.event_name,
        {{ rows }}.event_category,
        {{ rows }}.setup_step,
        {{ rows }}.feature_name,
        coalesce({{ rows }}.is_critical_feature, false) as is_critical_feature,
        min({{ rows }}.{{ first }}) as first_occurred_at,
        max({{ rows }}.{{ last }}) as last_occurred_at,
        cast(sum({{ rows }}.import_rows) as bigint) as import_rows,
        cast(sum({{ rows }}.import_errors) as bigint) as import_errors,
        max({{ rows }}.{{ received }}) as last_received_at
    from {{ rows }}
    group by 1, 2, 3, 4, 5, 6
{% endmacro %}


{#
    The columns of a staged event the aggregate reads: what the last run
    recorded of the events it aggregated near its load window
    (record_user_event_details_read), compared with the same events now.
    A recorded event whose columns changed was replaced by another delivery.
#}
{% macro user_event_details_read_columns() %}
    {{ return([
        'user_id', 'event_name', 'event_category', 'setup_step', 'feature_name', 'is_critical_feature',
        'occurred_at', 'import_rows', 'import_errors', 'received_at',
    ]) }}
{% endmacro %}


{#
    True when the model must recompute every user rather than merge: no run
    recorded what it aggregated (a first incremental run after this model
    was added), or a seed changed since the last run.
#}
{% macro user_event_details_recompute_all() %}
    {% if not execute %}
        {{ return(true) }}
    {% endif %}
    {{ return(
        side_table('events_read') is none
        or side_table('last_read') is none
        or seeds_changed_since_last_run()
    ) }}
{% endmacro %}


{#
    The body of a CTE of the events the last run aggregated in the zone the
    next load window can reach (`<model>_events_read`), and of what bounded
    it (`<model>_last_read`: its as-of date and reread_from_load_date).
    Macros rather than side_table() inline so that a unit test can give
    them as fixtures (overrides).
#}
{% macro user_event_details_events_read_before() %}
    select * from {{ side_table('events_read') }}
{% endmacro %}

{% macro user_event_details_last_read() %}
    select * from {{ side_table('last_read') }}
{% endmacro %}


{#
    Post-hook: keeps what the next run needs to tell a new event from one
    already aggregated. `<model>_events_read`: the staged events up to the
    as-of date that the next run reads again, with the columns the
    aggregate reads: received since the start of the next load window
    (events_load_window of the table just written, as the next run computes
    it) or loaded since its day, or loaded since reread_from_load_date (the
    latest load date minus the lookback: the partitions the next run of
    base_product__events reads again, events_loaded_since).
    `<model>_last_read`: the as-of date and reread_from_load_date.
#}
{% macro record_user_event_details_read(events, as_of) %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% set columns = user_event_details_read_columns() %}
    {% do write_side_table('last_read',
        'select as_of.as_of_date, (select cast('
        ~ dbt.dateadd('day', -1 * var('events_lookback_days') | int, 'max(events.load_date)')
        ~ ' as date) from ' ~ events ~ ' as events) as reread_from_load_date'
        ~ ' from ' ~ as_of ~ ' as as_of'
    ) %}
    {% set last_read = side_table('last_read') %}
    {% do write_side_table('events_read',
        'with load_window as (' ~ events_load_window() ~ '),'
        ~ ' read_bounds as (select load_window.window_start as received_from,'
        ~ ' least(cast(load_window.window_start as date),'
        ~ ' coalesce(last_read.reread_from_load_date, cast(load_window.window_start as date))) as loaded_from'
        ~ ' from load_window cross join ' ~ last_read ~ ' as last_read) '
        ~ rows_in_any_range(
            'events.event_id, events.' ~ columns | join(', events.'),
            'from ' ~ events ~ ' as events inner join ' ~ as_of ~ ' as as_of'
            ~ ' on events.occurred_date <= as_of.as_of_date',
            [
                'events.received_at >= (select read_bounds.received_from from read_bounds)',
                'events.load_date >= (select read_bounds.loaded_from from read_bounds)',
            ],
        )
    ) %}
    {{ return('') }}
{% endmacro %}


{#
    Post-hook: removes the placeholder rows (event_name null) the model
    writes for each user it recomputes from the events, so that delete+insert
    also deletes the stored rows of a user left with no event (a staged
    event never has a null event_name).
#}
{% macro delete_user_event_details_placeholders() %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% do delete_rows_where(this, 'event_name is null') %}
    {{ return('') }}
{% endmacro %}

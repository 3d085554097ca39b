{#
    One row per user and event detail (event_name, event_category,
    setup_step, feature_name, is_critical_feature) of the staged events up
    to the as-of date: first and last occurrence, import volumes, last
    received_at (macro user_event_details_grouped). The mergeable state of
    int_user_milestones_reached (issue 14): an active user's history grows
    with the history, this grows with the user's distinct details.

    Incremental by user (delete+insert on user_id). A run merges the new
    events into the stored rows (min of the firsts, max of the lasts, sum of
    the sums) when it can tell exactly which events are new, and otherwise
    recomputes the user from the events:
    - the events it checks are those the load window reads
      (events_load_window), those of the partitions base_product__events
      reads again or loaded in this run (events_loaded_since) and those
      dated after the earlier of the two as-of dates (this run's, the last
      run's);
    - the last run recorded the events it aggregated that this run reads
      again (`<model>_events_read`, a post-hook); a checked event it
      recorded unchanged is already in the sums;
    - a checked event the last run did not record is new when the window
      covers it (the record would hold it otherwise) or when it is dated
      after the last as-of date (it was not aggregated then);
    - recomputed from the events: a user of a recorded event that changed
      or is no longer aggregated (a re-delivery replaced it, the as-of date
      moved back), of an unrecorded event that may have been aggregated
      before (a late partition of an old day, the as-of date moved back);
    - every user when no run recorded its reads or a seed changed.
    A recomputed user also gets a placeholder row (event_name null) that
    a post-hook deletes, so delete+insert removes the stored rows of a user
    left with no event.
#}

{{ config(
    post_hook=[
        "{{ delete_user_event_details_placeholders() }}",
        "{{ record_user_event_details_read(ref('stg_product__events'), ref('int_as_of_date')) }}",
        "{{ record_seeds_read() }}",
    ],
    **key_replacing_incremental_config('user_id'),
) }}

{%- set merging = is_incremental() and not user_event_details_recompute_all() %}
{%- set read_columns = user_event_details_read_columns() %}

with

-- read more than once in incremental runs: inlined, not copied
events as {{ cte_not_materialized() }} (
    select * from {{ ref('stg_product__events') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

{% if merging %}
{%- set loaded_since = events_loaded_since() %}

load_window as (
    {{ events_load_window() }}
),

events_read_before as (
    {{ user_event_details_events_read_before() }}
),

last_read as (
    {{ user_event_details_last_read() }}
),

-- the events to check: received or loaded in the load window, loaded since
-- reread_from_load_date or by this run, dated after the earlier as-of date
check_bounds as (
    select
        load_window.window_start as received_from,
        least(
            cast(load_window.window_start as date), coalesce(last_read.reread_from_load_date, cast(load_window.window_start as date))
            {{- ", cast('" ~ loaded_since ~ "' as date)" if loaded_since }}
        ) as loaded_from,
        -- no as-of date on one side: every event
        case
            when as_of.as_of_date is null or last_read.as_of_date is null
                then cast('1900-01-01' as date)
            else least(as_of.as_of_date, last_read.as_of_date)
        end as dated_after
    from load_window
    cross join last_read
    cross join as_of
),

events_to_check as (  -- on the columns read here only
    {{ rows_in_any_range(
        'events.event_id, events.' ~ read_columns | join(', events.') ~ ', events.occurred_date, events.load_date',
        'from events',
        [
            'events.received_at >= (select check_bounds.received_from from check_bounds)',
            'events.load_date >= (select check_bounds.loaded_from from check_bounds)',
            'events.occurred_date > (select check_bounds.dated_after from check_bounds)',
        ],
    ) }}
),

events_checked as (
    select
        events_to_check.*,
        coalesce(events_to_check.occurred_date <= as_of.as_of_date, false) as is_aggregated_now,
        coalesce(events_to_check.occurred_date <= last_read.as_of_date, false) as was_dated_in,
        (
            events_to_check.received_at >= load_window.window_start
            or events_to_check.load_date >= cast(load_window.window_start as date)
            or coalesce(events_to_check.load_date >= last_read.reread_from_load_date, false)
        ) as is_in_recorded_window
    from events_to_check
    cross join as_of
    cross join last_read
    cross join load_window
),

events_compared as (
    select
        events_checked.*,
        events_read_before.event_id is not null as was_recorded,
        events_read_before.user_id as recorded_user_id,
        true
        {%- for column in read_columns %}
            and coalesce(
                events_checked.{{ column }} = events_read_before.{{ column }},
                events_checked.{{ column }} is null and events_read_before.{{ column }} is null
            )
        {%- endfor %}
            as is_unchanged
    from events_checked
    left join events_read_before
        on events_checked.event_id = events_read_before.event_id
),

recomputed_users as (
    -- a recorded event that changed or is no longer aggregated: both users
    select user_id
    from events_compared
    where was_recorded and not (is_aggregated_now and is_unchanged)
    union
    select recorded_user_id as user_id
    from events_compared
    where was_recorded and not (is_aggregated_now and is_unchanged)
    union
    -- an unrecorded event the last run may have aggregated
    select user_id
    from events_compared
    where not was_recorded and was_dated_in and not is_in_recorded_window
    union
    -- a recorded event gone from the staged events (a quarantined re-delivery)
    select events_read_before.user_id
    from events_read_before
    left join events_checked
        on events_read_before.event_id = events_checked.event_id
    where events_checked.event_id is null
),

new_events as (
    select events_compared.*
    from events_compared
    left join recomputed_users
        on events_compared.user_id = recomputed_users.user_id
    where
        events_compared.is_aggregated_now
        and not events_compared.was_recorded
        and (events_compared.is_in_recorded_window or not events_compared.was_dated_in)
        and recomputed_users.user_id is null
),

new_event_details as (
    {{ user_event_details_grouped('new_events') }}
),

stored_details as (
    select stored.*
    from {{ this }} as stored
    where stored.user_id in (select new_event_details.user_id from new_event_details)
),

details_before_merge as (
    select * from stored_details
    union all
    select * from new_event_details
),

details_merged as (
    {{ user_event_details_grouped('details_before_merge', merged=true) }}
),

{% elif is_incremental() %}
-- every user is recomputed: a placeholder for each stored user
recomputed_users as (
    select distinct stored.user_id
    from {{ this }} as stored
),

{% endif %}

{% if merging %}
-- a semi-join on the users alone: when no user is recomputed (the usual
-- weekly run) DuckDB then stops the scan of the events at once, where a
-- join (or this with the as-of join in the same CTE) read all of them
events_of_recomputed_users as (
    select events.*
    from events
    where events.user_id in (select recomputed_users.user_id from recomputed_users)
),
{% endif %}

-- the events of the users recomputed rather than merged (of every user on
-- a full refresh or when every user is recomputed)
events_recomputed as (
    select events_aggregated.*
    from {{ 'events_of_recomputed_users' if merging else 'events' }} as events_aggregated
    inner join as_of
        on events_aggregated.occurred_date <= as_of.as_of_date
),

details_recomputed as (
    {{ user_event_details_grouped('events_recomputed') }}
),

final as (
    select * from details_recomputed
    {% if merging %}
        union all
        select * from details_merged
    {% endif %}
    {% if is_incremental() %}
        union all
        select
            recomputed_users.user_id,
            cast(null as {{ dbt.type_string() }}) as event_name,
            cast(null as {{ dbt.type_string() }}) as event_category,
            cast(null as {{ dbt.type_string() }}) as setup_step,
            cast(null as {{ dbt.type_string() }}) as feature_name,
            cast(null as {{ dbt.type_boolean() }}) as is_critical_feature,
            cast(null as {{ dbt.type_timestamp() }}) as first_occurred_at,
            cast(null as {{ dbt.type_timestamp() }}) as last_occurred_at,
            cast(null as {{ dbt.type_bigint() }}) as import_rows,
            cast(null as {{ dbt.type_bigint() }}) as import_errors,
            cast(null as {{ dbt.type_timestamp() }}) as last_received_at
        from recomputed_users
    {% endif %}
)

select * from final

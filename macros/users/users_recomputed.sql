{#
    The users an incremental model with one row per user
    (int_user_milestones_reached, delete+insert on user_id) must recompute:
    its rows are the user's staged events up to the as-of date, the user's
    persona and created_at, and the seeds. So a user whose row a full
    refresh would change is one of:
    - a user of the events the day aggregates recompute
      (events_recomputed_dates: received or loaded in the load window, or
      loaded by this run: a late partition of an old date);
    - a stored user whose last_received_at falls in that window (a
      re-delivery with an earlier received_at may have moved the event);
    - a user with an event dated between the as-of date of the last run
      and this one's (read now and not then, or the reverse): the as-of
      date moves every week, and the events of the incomplete week were
      loaded before they counted;
    - a user who appeared, vanished or changed (tenant, persona,
      created_at) since the last run (users_read_by_last_run);
    - every user when a seed changed (persona milestones, feature catalog,
      KPI parameters) or no run recorded what it read.
    `users`, `events`, `as_of`: import CTEs of stg_app__users,
    stg_product__events and int_as_of_date.
#}
{% macro users_recomputed(users, events, as_of) %}
    {%- set users_read = side_table('users_read') if execute else none %}
    {%- if users_read is none or seeds_changed_since_last_run() %}
        -- no recorded run, or a seed changed: every user
        select {{ users }}.user_id from {{ users }}
    {%- else %}
        {%- set window_start = '(select load_window.window_start from load_window)' %}
        with

        load_window as (
            {{ events_load_window() }}
        ),

        as_of_read as (
            select max(users_read.as_of_date) as as_of_date
            from {{ users_read }} as users_read
        ),

        as_of_moved as (
            -- no as-of date on one side (no complete week): every dated event
            select
                case
                    when as_of_read.as_of_date is null or {{ as_of }}.as_of_date is null
                        then cast('1900-01-01' as date)
                    else least(as_of_read.as_of_date, {{ as_of }}.as_of_date)
                end as moved_after,
                case
                    when as_of_read.as_of_date is null or {{ as_of }}.as_of_date is null
                        then cast('9999-12-31' as date)
                    else greatest(as_of_read.as_of_date, {{ as_of }}.as_of_date)
                end as moved_until
            from as_of_read
            cross join {{ as_of }}
        )

        select received_users.user_id
        from ({{ events_recomputed_dates(events, window_start, column='user_id') }}) as received_users
        union
        select stored_users.user_id
        from {{ this }} as stored_users
        where stored_users.last_received_at >= {{ window_start }}
        union
        select {{ events }}.user_id
        from {{ events }}
        inner join as_of_moved
            on
                {{ events }}.occurred_date > as_of_moved.moved_after
                and {{ events }}.occurred_date <= as_of_moved.moved_until
        union
        select coalesce(now_rows.user_id, stored_rows.user_id) as user_id
        {{ changed_rows(users, users_read, ['user_id'], users_read_columns()) }}
    {%- endif %}
{% endmacro %}


{# The columns of a user whose change users_recomputed recomputes the user for. #}
{% macro users_read_columns() %}
    {{ return(['tenant_id', 'persona', 'created_at']) }}
{% endmacro %}


{#
    Post-hook: keep the users this run read and its as-of date in
    `<model>_users_read`, what the next run's users_recomputed compares.
    A run that fails before it leaves the older record, which only widens
    the next run's set of users.
#}
{% macro record_users_read(users, as_of) %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% set columns = users_read_columns() %}
    {% do write_side_table('users_read',
        'select users.user_id, users.' ~ columns | join(', users.') ~ ', as_of.as_of_date'
        ~ ' from ' ~ users ~ ' as users cross join ' ~ as_of ~ ' as as_of'
    ) %}
    {{ return('') }}
{% endmacro %}

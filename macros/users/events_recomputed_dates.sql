{#
    The rows of `events` (an import CTE of stg_product__events) whose
    occurrence dates an incremental model downstream of the events must
    recompute: the events received since `window_start` (a timestamp
    expression: the model's latest stored received_at minus the lookback),
    or loaded since that day (load_date), or loaded by this run of
    base_product__events (events_loaded_since: a partition delivered late
    and out of order holds rows received long before any received_at
    window). One home for the rule: the user-day and user-week aggregates
    recompute the same days, the user milestones the same events' users
    (`column='user_id'`).
#}
{% macro events_recomputed_dates(events, window_start, column='occurred_date') %}
    {%- set loaded_since = events_loaded_since() %}
    {%- if loaded_since %}
        {%- set loaded_from = 'least(cast(' ~ window_start ~ " as date), cast('" ~ loaded_since ~ "' as date))" %}
    {%- else %}
        {%- set loaded_from = 'cast(' ~ window_start ~ ' as date)' %}
    {%- endif %}
    {{ rows_in_any_range(events ~ '.' ~ column, 'from ' ~ events, [
        events ~ '.received_at >= ' ~ window_start,
        events ~ '.load_date >= ' ~ loaded_from,
    ]) }}
{% endmacro %}


{#
    `select <columns> <from_clause> where <range>` for each of `ranges`,
    `union`ed: the rows in any of the ranges, each once. Each range must be
    one column compared with one constant or scalar subquery
    (`events.received_at >= (select ...)`), so that DuckDB skips the row
    groups whose min/max lie outside it: the stored events are in load
    order (weekly runs append them), so a weekly run's ranges read a few
    row groups of 49.4M rows. One scan with `received_at >= ... or
    load_date >= ...` reads every row (0.46 s against 0.02 s on the
    2,000-tenant weekly harness), and so did a second comparison in a
    range's scan to leave out another range's rows (DuckDB planned a
    nested loop over every event: 17 s), hence `union`. One home for the
    incremental models' scans of the new events.
#}
{% macro rows_in_any_range(columns, from_clause, ranges) %}
    {%- for range in ranges %}
        select {{ columns }}
        {{ from_clause }}
        where {{ range }}
        {%- if not loop.last %}
        union
        {%- endif %}
    {%- endfor %}
{% endmacro %}

{#
    The incremental load window of a model downstream of the events: its
    latest stored last_received_at minus the lookback (events_lookback_days),
    or 1900-01-01 when it holds no row. One home for the incremental models
    downstream of the events, read with `{{ this }}` in place.
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
    The first week an incremental weekly model that reads the events must
    recompute (every later week is recomputed too): the week of any date
    events_recomputed_dates returns, or of a stored row whose
    last_received_at falls in the window (the model's own events_load_window).
    One home for the incremental weekly aggregates of the events (user weeks,
    tenant feature weeks); the weekly models downstream of the user weeks
    compare what they read of them instead (user_weeks_first_changed_week).
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
    The config of an incremental model that replaces every stored row of
    each `key` value its run outputs (delete+insert on that column; on
    Spark the table rewrite of spark_incremental.sql). A change of columns
    fails the run rather than leave old rows without them (run
    `dbt build --full-refresh`). One home for the incremental models by
    user (the user milestones and their event details) and, through
    period_replacing_incremental_config, by period.
#}
{% macro key_replacing_incremental_config(key) %}
    {{ return({
        'materialized': 'incremental',
        'unique_key': key,
        'incremental_strategy': 'delete+insert',
        'on_schema_change': 'fail',
    }) }}
{% endmacro %}


{#
    The config of an incremental aggregate downstream of the events: a run
    replaces whole periods (`period_column`: a day or a week), every row of
    each period it recomputes (key_replacing_incremental_config on that
    column), so a recomputed period equals a full refresh. One home for
    every incremental model that replaces whole days or weeks: the user-day,
    user-week and tenant-feature-week aggregates, the health inputs and the
    incremental KPI families (which add their hooks). On Spark the periods
    are partitions, overwritten whole (period_replacing_storage_config).
#}
{% macro period_replacing_incremental_config(period_column) %}
    {%- set config = key_replacing_incremental_config(period_column) %}
    {%- do config.update(period_replacing_storage_config(period_column)) %}
    {{ return(config) }}
{% endmacro %}


{#
    The first week a weekly model downstream of the weekly aggregates
    recomputes (delete+insert from it on): the earliest of the weeks its
    `candidates` (CTE names, each `select week_start`: the first week the
    new events touch, the first week whose reference data changed) and the
    week after its latest stored week (a week the as-of date completed since
    the last run may hold no new event: the event that completed it can fall
    in a later week); every week after a seed changed (record_seeds_read, a
    post-hook of the model). A week's value depends only on data dated up to
    its end, so every later week is recomputed too; what a model reads
    before this week (its trailing windows) it filters itself.
#}
{% macro weekly_first_recomputed_week(candidates) %}
    select min(candidate_weeks.week_start) as week_start
    from (
        {%- if seeds_changed_since_last_run() %}
            -- a seed changed since the last run (seeds_read.sql): every week
            select cast('1900-01-01' as date) as week_start
            union all
        {%- endif %}
        {%- for candidate in candidates %}
            select {{ candidate }}.week_start from {{ candidate }}
            union all
        {%- endfor %}
        select cast({{ dbt.dateadd('day', 7, 'max(stored_weeks.week_start)') }} as date) as week_start
        from {{ this }} as stored_weeks
    ) as candidate_weeks
{% endmacro %}


{#
    `select week_start`: the first week whose rows `now` and `stored` (CTE
    names or relations) disagree on, matched on `keys`: a row on one side
    only, or a value of `columns` that differs (null equals null). The week
    of a pair is the earlier of the two sides' `week_column`. How an
    incremental weekly model finds what late or corrected reference data
    reaches, by comparing what it reads now with what it read before.
#}
{% macro first_changed_week(now, stored, keys, columns, week_column='week_start') %}
    select
        min(
            case
                when stored_rows.{{ week_column }} is null or now_rows.{{ week_column }} < stored_rows.{{ week_column }}
                    then now_rows.{{ week_column }}
                else stored_rows.{{ week_column }}
            end
        ) as week_start
    {{ changed_rows(now, stored, keys, columns) }}
{% endmacro %}


{#
    The where clause that keeps, in an incremental run, the rows whose
    `date_column` is on or after the model's first recomputed week (its CTE
    `first_recomputed_week`) minus `days_before` (what a trailing window of
    a recomputed week reaches back); nothing on a full refresh.
#}
{% macro in_recomputed_weeks(date_column, days_before=none) %}
    {%- if is_incremental() %}
        {%- set first_week = '(select first_recomputed_week.week_start from first_recomputed_week)' %}
        where {{ date_column }} >= cast(
            {{ first_week if days_before is none else dbt.dateadd('day', '-1 * ' ~ days_before, first_week) }} as date
        )
    {%- endif %}
{% endmacro %}


{#
    The from and where clauses of the rows of `now` and `stored` (CTE names
    or relations, aliased now_rows and stored_rows) that disagree, matched on
    `keys`: a row on one side only, or a value of `columns` that differs
    (null equals null). One home for comparing what an incremental model
    reads now with what its last run read (first_changed_week,
    users_recomputed).
#}
{% macro changed_rows(now, stored, keys, columns) %}
    from {{ now }} as now_rows
    full outer join {{ stored }} as stored_rows
        on
            {%- for key in keys %}
                {{ 'and ' if not loop.first }}now_rows.{{ key }} = stored_rows.{{ key }}
            {%- endfor %}
    where
        now_rows.{{ keys[0] }} is null
        or stored_rows.{{ keys[0] }} is null
        {%- for column in columns %}
            or not coalesce(
                now_rows.{{ column }} = stored_rows.{{ column }},
                now_rows.{{ column }} is null and stored_rows.{{ column }} is null
            )
        {%- endfor %}
{% endmacro %}

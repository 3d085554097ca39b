{#
    The state an incremental KPI family keeps beside itself, in
    `<model>_state`: a family has exactly the columns of fct_kpi_weekly, so
    it cannot store the bookkeeping an incremental weekly aggregate stores
    in its rows (last_received_at). A post-hook writes `state_sql` after
    every run of the model, full refresh or not; a run that fails before it
    leaves the older state, which only widens the next run's window.
#}
{% macro record_kpi_family_state(state_sql) %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% do write_side_table('state', state_sql) %}
    {{ return('') }}
{% endmacro %}


{#
    A select of the users a user-level KPI family segments, as the family
    reads them: the segment columns, the signup week and the first week a
    unit row of the user can fall in (its signup week or the week of its
    first event, whichever is earlier; null for a user with neither). The
    family compares it with its recorded state: a user whose segments or
    signup week changed (late or corrected reference data), appeared or
    vanished moves every week from that first week. `users_lifecycle`: a
    relation or CTE name.
#}
{% macro kpi_family_users_read(users_lifecycle) %}
    select
        users_lifecycle.user_id,
        {%- for column in kpi_family_user_columns() %}
            users_lifecycle.{{ column }},
        {%- endfor %}
        cast(coalesce(
            least(
                users_lifecycle.signup_week_start,
                cast({{ dbt.date_trunc('week', 'users_lifecycle.first_event_at') }} as date)
            ),
            users_lifecycle.signup_week_start
        ) as date) as first_unit_week
    from {{ users_lifecycle }} as users_lifecycle
{% endmacro %}


{# The columns of a user that kpi_family_users_read records: a change moves the user's weeks. #}
{% macro kpi_family_user_columns() %}
    {{ return(['industry', 'plan_tier', 'persona', 'onboarding_cohort', 'signup_week_start']) }}
{% endmacro %}


{#
    What a rolling-cohort KPI family read of its units
    (int_user_kpi_windows_unioned), one row per window_closed_date: the
    number of units whose window closed that day and the bit_xor of their
    row fingerprints (keys and kpi_family_unit_columns). A unit enters the
    cohort of the weeks from the one its window closed in, so a unit that
    changed (a window that closed, a late event, a changed segment),
    appeared or vanished changes the day of its old and of its new
    window_closed_date, and every week from the earlier one is recomputed.
    Why per day and not per unit: the per-unit copy was 1.6M rows written
    twice per weekly run on 2,000 tenants (0.9 s each standalone), this is
    1,507 rows (0.04 s). A change the xor misses needs two 64-bit
    fingerprints to cancel; units without a closed window fall in no
    cohort, as before.
#}
{% macro kpi_family_units_read(user_kpi_windows) %}
    {%- set fingerprinted = [] %}
    {%- for column in ['user_id', 'kpi_name'] + kpi_family_unit_columns() %}
        {%- do fingerprinted.append('user_kpi_windows.' ~ column) %}
    {%- endfor %}
    select
        user_kpi_windows.window_closed_date,
        count(*) as units,
        bit_xor({{ row_fingerprint(fingerprinted) }}) as units_fingerprint
    from {{ user_kpi_windows }} as user_kpi_windows
    group by user_kpi_windows.window_closed_date
{% endmacro %}


{# The unit columns kpi_family_units_read fingerprints: a change moves the unit's weeks. #}
{% macro kpi_family_unit_columns() %}
    {{ return([
        'tenant_id', 'industry', 'plan_tier', 'persona', 'onboarding_cohort', 'aggregation',
        'window_closed_date', 'unit_numerator', 'unit_denominator', 'unit_value',
    ]) }}
{% endmacro %}


{#
    Post-hook of a rolling-cohort KPI family: keeps what this run read of
    its units (kpi_family_units_read) in `<model>_units_read`. It also drops
    `<model>_state`, the per-unit copy earlier versions kept (1.6M rows on
    2,000 tenants), so an upgraded warehouse does not keep it for nothing.
#}
{% macro record_kpi_family_units_read(user_kpi_windows) %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% do write_side_table('units_read', kpi_family_units_read(user_kpi_windows)) %}
    {% do adapter.drop_relation(
        this.incorporate(path={'identifier': this.identifier ~ '_state'}, type='table')
    ) %}
    {{ return('') }}
{% endmacro %}


{#
    The body of the CTE first_recomputed_week of a rolling-cohort KPI family
    (macro onboarding_kpis_over_cohort over the units of
    `user_kpi_windows`, an import CTE): the week of the first day whose
    units differ from what the family's last run read of them
    (kpi_family_units_read), or of weekly_first_recomputed_week's other
    rules. The units are all the family reads besides the calendar and the
    seeds.
#}
{% macro kpi_family_units_first_recomputed_week(user_kpi_windows) %}
    with

    units_now as (
        {{ kpi_family_units_read(user_kpi_windows) }}
    ),

    units_read as (
        {{ recorded_rows(side_table('units_read'), 'units_now') }}
    ),

    units_changed_week as (
        select cast({{ dbt.date_trunc('week', 'changed.week_start') }} as date) as week_start
        from (
            {{ first_changed_week(
                'units_now', 'units_read', ['window_closed_date'], ['units', 'units_fingerprint'],
                week_column='window_closed_date'
            ) }}
        ) as changed
    )

    {{ weekly_first_recomputed_week(['units_changed_week']) }}
{% endmacro %}


{#
    The config of a rolling-cohort KPI family (int_kpi_onboarding_computed,
    int_kpi_early_warning_computed): incremental by week from the first
    changed unit, its units and seeds recorded after each run, and the
    PostgreSQL planner hint of the median intervals' join.
#}
{% macro kpi_family_units_config() %}
    {%- set config = period_replacing_incremental_config('week_start') %}
    {%- do config.update({
        'pre_hook': "{{ prefer_hash_joins() }}",
        'post_hook': [
            "{{ record_kpi_family_units_read(ref('int_user_kpi_windows_unioned')) }}",
            "{{ record_seeds_read() }}",
        ],
    }) %}
    {{ return(config) }}
{% endmacro %}

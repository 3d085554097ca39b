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
    {% set state_relation = this.incorporate(path={'identifier': this.identifier ~ '_state'}, type='table') %}
    {% do adapter.drop_relation(state_relation) %}
    {% do run_query(get_create_table_as_sql(false, state_relation, state_sql)) %}
    {% do adapter.cache_added(state_relation) %}
    {{ return('') }}
{% endmacro %}


{# The relation record_kpi_family_state wrote for this model, or none (no run recorded one yet). #}
{% macro kpi_family_state_relation() %}
    {% if not execute %}
        {{ return(none) }}
    {% endif %}
    {{ return(adapter.get_relation(
        database=this.database, schema=this.schema, identifier=this.identifier ~ '_state'
    )) }}
{% endmacro %}


{#
    A select of the users a user-level KPI family segments, as the family
    reads them: the segment columns, the signup week and the first week a
    unit row of the user can fall in (its signup week or the week of its
    first event, whichever is earlier; null for a user with neither), with
    the latest received_at of the user days read (the events window of the
    next run). The family compares it with its recorded state: a user whose
    segments or signup week changed (late or corrected reference data),
    appeared or vanished moves every week from that first week.
    `users_lifecycle`, `user_days`: relations or CTE names.
#}
{% macro kpi_family_users_read(users_lifecycle, user_days) %}
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
        ) as date) as first_unit_week,
        (select max(user_days.last_received_at) from {{ user_days }} as user_days) as last_received_at
    from {{ users_lifecycle }} as users_lifecycle
{% endmacro %}


{# The columns of a user that kpi_family_users_read records: a change moves the user's weeks. #}
{% macro kpi_family_user_columns() %}
    {{ return(['industry', 'plan_tier', 'persona', 'onboarding_cohort', 'signup_week_start']) }}
{% endmacro %}

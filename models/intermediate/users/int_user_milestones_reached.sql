{#
    One row per staged user: the user's milestones and event totals read
    from the staged events up to the as-of date, through their per-user
    aggregate int_user_event_details_aggregated (day counts come from
    int_user_days_aggregated).

    - activated_at: first event matching the persona's milestone
      (persona_milestones: an event category or an event name);
    - first_value_at: first workflow_completed; first session, first and last
      event; first governance action; first feature_used flagged critical;
    - setup: distinct setup steps completed and when the
      setup_steps_required-th distinct step was first completed;
    - imports: rows and errors summed over data_import_completed events;
    - features: distinct features first used by day feature_depth_window_days
      after date(created_at), and distinct features of the feature_catalog
      seed ever used, beside the catalog's size.

    Columns are kept for every persona; int_users_lifecycle keeps the persona
    KPI inputs for their persona only.

    Why single events and not int_user_days_aggregated (the per-user-day
    facts every other user model reads): a milestone is an instant, and the
    public marts publish it as one (fct_user_onboarding.activated_at,
    first_value_at, first_session_at, setup_completed_at,
    first_governance_action_at are timestamps; the same-day order of the
    setup steps decides setup_completed_at). A user-day keeps counts, not
    the first instant of each event name, setup step and feature, nor the
    import volumes. int_user_event_details_aggregated keeps exactly those,
    per user and event detail, as mergeable state (issue 14: a weekly run
    merges the new events into it instead of rescanning each active user's
    whole history); this model reads it, not the events.

    Incremental by user: a run recomputes the users whose row a full
    refresh would change (macro users_recomputed, which still reads the
    events' load window and as-of move to find them), delete+insert on
    user_id, from their rows of the aggregate; last_received_at gives the
    next run its load window. A user who vanished keeps a stored row its
    one reader (joining the staged users) never reads.
#}

{{ config(
    post_hook=[
        "{{ record_users_read(ref('stg_app__users'), ref('int_as_of_date')) }}",
        "{{ record_seeds_read() }}",
    ],
    **key_replacing_incremental_config('user_id'),
) }}

with

users as (
    select * from {{ ref('stg_app__users') }}
),

-- read by users_recomputed only (incremental runs), twice: inlined, not copied
events as {{ cte_not_materialized() }} ( -- noqa: ST03
    select * from {{ ref('stg_product__events') }}
),

user_event_details_aggregated as (
    select * from {{ ref('int_user_event_details_aggregated') }}
),

-- read by users_recomputed only (incremental runs)
as_of as ( -- noqa: ST03
    select * from {{ ref('int_as_of_date') }}
),

persona_milestones as (
    select * from {{ ref('persona_milestones') }}
),

feature_catalog as (
    select * from {{ ref('feature_catalog') }}
),

{% if is_incremental() %}
recomputed_users as (
    {{ users_recomputed('users', 'events', 'as_of') }}
),
{% endif %}

users_in_scope as (
    select * from users
    {% if is_incremental() %}
        where users.user_id in (select recomputed_users.user_id from recomputed_users)
    {% endif %}
),

-- the per-user aggregate of the events (first and last occurrence per
-- event detail, import volumes), kept as mergeable state by its own model
user_event_details as (
    select user_event_details_aggregated.*
    from user_event_details_aggregated
    {% if is_incremental() %}
        inner join users_in_scope
            on user_event_details_aggregated.user_id = users_in_scope.user_id
    {% endif %}
),

activations as (
    select
        user_event_details.user_id,
        min(user_event_details.first_occurred_at) as activated_at
    from user_event_details
    inner join users_in_scope
        on user_event_details.user_id = users_in_scope.user_id
    inner join persona_milestones
        on
            users_in_scope.persona = persona_milestones.persona
            and (
                (
                    persona_milestones.milestone_type = 'category'
                    and user_event_details.event_category = persona_milestones.milestone_value
                )
                or (
                    persona_milestones.milestone_type = 'event_name'
                    and user_event_details.event_name = persona_milestones.milestone_value
                )
            )
    group by 1
),

event_firsts as (
    select
        user_id,
        min(first_occurred_at) as first_event_at,
        max(last_occurred_at) as last_event_at,
        min(case when event_name = 'session_started' then first_occurred_at end) as first_session_at,
        min(case when event_name = 'workflow_completed' then first_occurred_at end) as first_value_at,
        min(case when event_name = 'governance_action' then first_occurred_at end) as first_governance_action_at,
        min(
            case when event_name = 'feature_used' and is_critical_feature then first_occurred_at end
        ) as first_critical_feature_at,
        cast(sum(case when event_name = 'data_import_completed' then import_rows end) as bigint) as import_rows,
        cast(sum(case when event_name = 'data_import_completed' then import_errors end) as bigint)
            as import_errors,
        max(last_received_at) as last_received_at
    from user_event_details
    group by 1
),

setup_step_firsts as (
    select
        user_id,
        setup_step,
        min(first_occurred_at) as first_completed_at
    from user_event_details
    where event_name = 'setup_step_completed' and setup_step is not null
    group by 1, 2
),

setup_steps_ranked as (
    select
        *,
        row_number() over (partition by user_id order by first_completed_at, setup_step) as step_number
    from setup_step_firsts
),

setup_progress as (
    select
        user_id,
        count(*) as setup_steps_completed,
        min(
            case when step_number = {{ kpi_parameter('setup_steps_required') }} then first_completed_at end
        ) as setup_completed_at
    from setup_steps_ranked
    group by 1
),

feature_firsts as (
    select
        user_event_details.user_id,
        user_event_details.feature_name,
        min(user_event_details.first_occurred_at) as first_used_at,
        max(case when feature_catalog.feature is not null then 1 else 0 end) as is_in_catalog
    from user_event_details
    left join feature_catalog
        on user_event_details.feature_name = feature_catalog.feature
    where user_event_details.event_name = 'feature_used' and user_event_details.feature_name is not null
    group by 1, 2
),

feature_usage as (
    select
        feature_firsts.user_id,
        count(
            case
                when
                    cast(feature_firsts.first_used_at as date)
                    <= cast(
                        {{ dbt.dateadd('day', kpi_parameter('feature_depth_window_days'),
                                       'cast(users_in_scope.created_at as date)') }} as date
                    )
                    then 1
            end
        ) as features_within_depth_window,
        count(case when feature_firsts.is_in_catalog = 1 then 1 end) as catalog_features_used
    from feature_firsts
    inner join users_in_scope
        on feature_firsts.user_id = users_in_scope.user_id
    group by 1
),

catalog_size as (
    select count(*) as catalog_features
    from feature_catalog
),

final as (
    select
        users_in_scope.user_id,
        event_firsts.first_event_at,
        event_firsts.last_event_at,
        event_firsts.first_session_at,
        activations.activated_at,
        event_firsts.first_value_at,
        event_firsts.first_governance_action_at,
        event_firsts.first_critical_feature_at,
        setup_progress.setup_completed_at,
        coalesce(setup_progress.setup_steps_completed, 0) as setup_steps_completed,
        coalesce(event_firsts.import_rows, 0) as import_rows,
        coalesce(event_firsts.import_errors, 0) as import_errors,
        coalesce(feature_usage.features_within_depth_window, 0) as features_within_depth_window,
        coalesce(feature_usage.catalog_features_used, 0) as catalog_features_used,
        catalog_size.catalog_features,
        event_firsts.last_received_at
    from users_in_scope
    cross join catalog_size
    left join event_firsts
        on users_in_scope.user_id = event_firsts.user_id
    left join activations
        on users_in_scope.user_id = activations.user_id
    left join setup_progress
        on users_in_scope.user_id = setup_progress.user_id
    left join feature_usage
        on users_in_scope.user_id = feature_usage.user_id
)

select * from final

{#
    The inputs of the health score (int_tenant_health_scored), one row per
    live tenant and complete week:

    - users_activated: the tenant's users whose persona activation
      (int_users_lifecycle.activated_at) falls in a week up to this one;
    - weekly_active_users and seats_purchased (int_tenant_weeks_aggregated);
    - tier1_tickets_28d: tier-1 tickets created in the trailing 28 days
      (this week and the 3 before, even before onboarding), beside
      active_users_28d, the users active in those 4 weeks;
    - nps_responses_in_window, nps_in_window: NPS over the latest answer per user in the
      nps_window_days (90) days ending with the week's last day (macro
      latest_nps_answers; cut-offs in nps_answer_sign).

    Incremental by week (perf): a run recomputes every week from the first
    one its inputs can have changed in (weekly_first_recomputed_week): the
    first week the new events touch (the first week whose user weeks differ
    from what the last run read of them: user_weeks_first_changed_week,
    record_user_weeks_read), the first week whose
    reference inputs (live weeks, segments, seats, activations, tickets:
    cheap, so recomputed for every week; a late ticket or a changed tenant
    can reach any week) differ from the stored ones, the week after the
    latest stored one, and every week after a seed changed. A week's inputs depend only on data dated up to its
    end, so every later week is recomputed too (delete+insert on
    week_start); the trailing windows read the user weeks and days back by
    their own length. As for the user days: after a retroactive change to
    stored events outside the window, run `dbt build --full-refresh`.
#}

{#- the trailing window of tickets and active users: the week and the 3 before -#}
{%- set trailing_days = 28 %}

{{
    config(
        post_hook=[
            "{{ record_user_weeks_read(ref('int_user_weeks_aggregated')) }}",
            "{{ record_seeds_read() }}",
        ],
        **period_replacing_incremental_config('week_start'),
    )
}}

with

tenant_weeks as (
    select * from {{ ref('int_tenant_weeks_aggregated') }}
),

users as (
    select * from {{ ref('int_users_lifecycle') }}
),

user_weeks as (
    select * from {{ ref('int_user_weeks_aggregated') }}
),

user_days as (
    select * from {{ ref('int_user_days_aggregated') }}
),

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

live_tenant_weeks as (
    select
        tenant_id,
        week_start,
        week_end,
        industry,
        plan_tier,
        onboarding_cohort,
        seats_purchased,
        weekly_active_users
    from tenant_weeks
    where is_live
),

user_activation_weeks as (
    select
        tenant_id,
        cast({{ dbt.date_trunc('week', 'activated_at') }} as date) as activation_week_start,
        count(*) as users_activated
    from users
    where activated_at is not null
    group by 1, 2
),

activation_progress as (
    select
        live_tenant_weeks.tenant_id,
        live_tenant_weeks.week_start,
        coalesce(sum(user_activation_weeks.users_activated), 0) as users_activated
    from live_tenant_weeks
    left join user_activation_weeks
        on
            live_tenant_weeks.tenant_id = user_activation_weeks.tenant_id
            and user_activation_weeks.activation_week_start <= live_tenant_weeks.week_start
    group by 1, 2
),

tier1_tickets_weekly as (
    select
        tenant_id,
        cast({{ dbt.date_trunc('week', 'created_at') }} as date) as week_start,
        count(*) as tier1_tickets
    from tickets
    where ticket_tier = 1
    group by 1, 2
),

trailing_tickets as (
    select
        live_tenant_weeks.tenant_id,
        live_tenant_weeks.week_start,
        coalesce(sum(tier1_tickets_weekly.tier1_tickets), 0) as tier1_tickets_28d
    from live_tenant_weeks
    left join tier1_tickets_weekly
        on
            live_tenant_weeks.tenant_id = tier1_tickets_weekly.tenant_id
            and tier1_tickets_weekly.week_start <= live_tenant_weeks.week_start
            and tier1_tickets_weekly.week_start
            > cast({{ dbt.dateadd('day', -trailing_days, 'live_tenant_weeks.week_start') }} as date)
    group by 1, 2
),

-- the inputs read from the reference data, every week (an incremental run compares them)
reference_inputs as (
    select
        live_tenant_weeks.*,
        activation_progress.users_activated,
        trailing_tickets.tier1_tickets_28d
    from live_tenant_weeks
    inner join activation_progress
        on
            live_tenant_weeks.tenant_id = activation_progress.tenant_id
            and live_tenant_weeks.week_start = activation_progress.week_start
    inner join trailing_tickets
        on
            live_tenant_weeks.tenant_id = trailing_tickets.tenant_id
            and live_tenant_weeks.week_start = trailing_tickets.week_start
),

{% if is_incremental() %}
-- {{ this }} is read in place (no import CTE), as in int_user_weeks_aggregated.
events_touched_week as (
    {{ user_weeks_first_changed_week('user_weeks') }}
),

reference_changed_week as (
    {{ first_changed_week('reference_inputs', this, ['tenant_id', 'week_start'], [
        'industry', 'plan_tier', 'onboarding_cohort', 'seats_purchased',
        'weekly_active_users', 'users_activated', 'tier1_tickets_28d',
    ]) }}
),

first_recomputed_week as (
    {{ weekly_first_recomputed_week(['events_touched_week', 'reference_changed_week']) }}
),
{% endif %}

reference_inputs_in_scope as (
    select * from reference_inputs
    {{ in_recomputed_weeks('week_start') }}
),

user_weeks_in_scope as (
    select * from user_weeks
    {{ in_recomputed_weeks('week_start', days_before=trailing_days) }}
),

user_days_in_scope as (
    select * from user_days
    {{ in_recomputed_weeks('activity_date', days_before=kpi_parameter('nps_window_days')) }}
),

trailing_active_users as (
    select
        reference_inputs_in_scope.tenant_id,
        reference_inputs_in_scope.week_start,
        count(distinct user_weeks_in_scope.user_id) as active_users_28d
    from reference_inputs_in_scope
    inner join user_weeks_in_scope
        on
            reference_inputs_in_scope.tenant_id = user_weeks_in_scope.tenant_id
            and user_weeks_in_scope.week_start <= reference_inputs_in_scope.week_start
            and user_weeks_in_scope.week_start
            > cast({{ dbt.dateadd('day', -trailing_days, 'reference_inputs_in_scope.week_start') }} as date)
    group by 1, 2
),

latest_nps_in_window as (
    {{ latest_nps_answers(
        'reference_inputs_in_scope', ['tenant_id', 'week_start'],
        last_date='cast(' ~ dbt.dateadd('day', -1, 'reference_inputs_in_scope.week_end') ~ ' as date)',
        window_days=kpi_parameter('nps_window_days'),
        match_columns=['tenant_id'],
        user_days='user_days_in_scope',
    ) }}
),

trailing_nps as (
    select
        tenant_id,
        week_start,
        count(*) as nps_responses_in_window,
        cast(100 as {{ dbt.type_float() }}) * (
            sum({{ nps_answer_sign('nps_score') }})
        ) / count(*) as nps_in_window
    from latest_nps_in_window
    group by 1, 2
),

final as (
    select
        reference_inputs_in_scope.tenant_id,
        reference_inputs_in_scope.week_start,
        reference_inputs_in_scope.industry,
        reference_inputs_in_scope.plan_tier,
        reference_inputs_in_scope.onboarding_cohort,
        reference_inputs_in_scope.seats_purchased,
        reference_inputs_in_scope.users_activated,
        reference_inputs_in_scope.weekly_active_users,
        reference_inputs_in_scope.tier1_tickets_28d,
        coalesce(trailing_active_users.active_users_28d, 0) as active_users_28d,
        coalesce(trailing_nps.nps_responses_in_window, 0) as nps_responses_in_window,
        trailing_nps.nps_in_window
    from reference_inputs_in_scope
    left join trailing_active_users
        on
            reference_inputs_in_scope.tenant_id = trailing_active_users.tenant_id
            and reference_inputs_in_scope.week_start = trailing_active_users.week_start
    left join trailing_nps
        on
            reference_inputs_in_scope.tenant_id = trailing_nps.tenant_id
            and reference_inputs_in_scope.week_start = trailing_nps.week_start
)

select * from final

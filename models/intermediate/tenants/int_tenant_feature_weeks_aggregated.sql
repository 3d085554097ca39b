{#
    One row per tenant, complete week and feature used (feature_used events
    with a feature property), with the users and events behind it.

    Not fed from the user facts: int_user_days_aggregated counts
    feature_used events per user and day but not per feature, and distinct
    users per feature cannot be summed from it.

    Incremental by week (perf), by the rule of int_user_weeks_aggregated: a
    run recomputes every week from the first one the new data touches,
    namely the weeks of the days int_user_days_aggregated recomputes
    (events_recomputed_dates, with this model's own latest
    last_received_at as the window), every stored week whose
    last_received_at falls in the window (a re-delivery may have re-dated
    its event). Every week from the first recomputed one is replaced whole
    (delete+insert on week_start), so a recomputed week equals a full
    refresh. Only complete weeks are stored; the week the as-of date has
    completed since the last run comes after the latest stored week, so
    after the stored week holding the latest last_received_at, which is
    always in the window: it is recomputed too. As for the user days: after a retroactive change
    to stored events outside the window, run `dbt build --full-refresh`.
#}
{{ config(**period_replacing_incremental_config('week_start')) }}

with

-- read twice in incremental runs: inlined, not copied
events as {{ cte_not_materialized() }} (
    select * from {{ ref('stg_product__events') }}
),

complete_weeks as (
    select * from {{ ref('int_weeks_completed') }}
),

{% if is_incremental() %}
-- {{ this }} is read in place (no import CTE), as in int_user_weeks_aggregated.
first_recomputed_week as (
    {{ events_first_recomputed_week('events') }}
),
{% endif %}

events_in_scope as (
    select * from events
    {% if is_incremental() %}
        where occurred_date >= (select first_recomputed_week.week_start from first_recomputed_week)
    {% endif %}
),

feature_events as (
    select
        tenant_id,
        user_id,
        feature_name,
        received_at,
        cast({{ dbt.date_trunc('week', 'occurred_date') }} as date) as week_start
    from events_in_scope
    where
        event_name = 'feature_used'
        and feature_name is not null
),

final as (
    select
        feature_events.tenant_id,
        feature_events.week_start,
        feature_events.feature_name,
        count(distinct feature_events.user_id) as feature_users,
        count(*) as feature_events,
        -- bookkeeping for the incremental window
        max(feature_events.received_at) as last_received_at
    from feature_events
    inner join complete_weeks
        on feature_events.week_start = complete_weeks.week_start
    group by 1, 2, 3
)

select * from final

{#
    One row per tenant and outcome whose label is known by the build's as-of
    date, with the date it became known (spec "Renewal and expansion risk").

    - renewal: the first anniversary decision, i.e. the earlier of the
      tenant's first renewal and churn subscription events; label true when
      it is a renewal. Known on the date of that event. Tenants with neither
      event are not labelled yet.
    - expansion: expanded (seat_upgrade or addon_activated within
      expansion_window_days (180) of onboarded_at, int_tenants_lifecycle).
      The label is final when the window closes, so it is known on
      date(onboarded_at) + 180 for every tenant, expanded or not (an early
      expansion is not used before the window closes: using it earlier would
      leave only positives of a young cohort in the training set).
#}

with

tenants as (
    select * from {{ ref('int_tenants_lifecycle') }}
),

renewal_labels as (
    select
        tenant_id,
        'renewal' as outcome,
        renewed_at is not null and (churned_at is null or renewed_at < churned_at) as is_outcome,
        cast(
            case
                when renewed_at is null then churned_at
                when churned_at is null then renewed_at
                else least(renewed_at, churned_at)
            end as date
        ) as outcome_known_date,
        as_of_date
    from tenants
    where renewed_at is not null or churned_at is not null
),

expansion_labels as (
    select
        tenant_id,
        'expansion' as outcome,
        expanded_at is not null as is_outcome,
        cast({{ dbt.dateadd('day', kpi_parameter('expansion_window_days'), 'onboarded_date') }} as date)
            as outcome_known_date,
        as_of_date
    from tenants
),

unioned as (
    select * from renewal_labels
    union all
    select * from expansion_labels
),

final as (
    select
        tenant_id,
        outcome,
        is_outcome,
        outcome_known_date
    from unioned
    where outcome_known_date <= as_of_date
)

select * from final

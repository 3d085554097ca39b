{#
    Lift statistics per experiment x checkpoint: outcome rate per arm, lift =
    treatment - control, its 95% Newcombe hybrid score interval and the
    two-sided pooled z-test p-value (macro two_proportion_lift, the same
    SQL the pytest coverage test renders). Statistics are null while the
    checkpoint is pending or when an arm has no tenant. They are stored
    exact (not rounded): the decision rules compare them with their
    thresholds, and rounding belongs to the brief and BI.
#}

with

arm_outcomes as (
    select * from {{ ref('int_pilot_arm_outcomes') }}
),

arms_pivoted as (
    select
        experiment_id,
        checkpoint,
        max(checkpoint_days) as checkpoint_days,
        max(first_assigned_at) as first_assigned_at,
        max(checkpoint_date) as checkpoint_date,
        {{ dbt.bool_or('is_observed') }} as is_observed,
        coalesce(sum(case when arm = 'treatment' then tenants end), 0) as tenants_treatment,
        coalesce(sum(case when arm = 'control' then tenants end), 0) as tenants_control,
        sum(case when arm = 'treatment' then tenants_with_outcome end) as outcomes_treatment,
        sum(case when arm = 'control' then tenants_with_outcome end) as outcomes_control
    from arm_outcomes
    group by 1, 2
),

observed_counts as (
    select
        *,
        case when is_observed then coalesce(outcomes_treatment, 0) end as observed_outcomes_treatment,
        case when is_observed then coalesce(outcomes_control, 0) end as observed_outcomes_control
    from arms_pivoted
),

statistics as (
    select
        *,
        {{ two_proportion_lift(
            'observed_outcomes_treatment', 'tenants_treatment',
            'observed_outcomes_control', 'tenants_control'
        ) }}
    from observed_counts
),

final as (
    select
        experiment_id,
        checkpoint,
        checkpoint_days,
        first_assigned_at,
        checkpoint_date,
        is_observed,
        tenants_treatment,
        tenants_control,
        observed_outcomes_treatment as outcomes_treatment,
        observed_outcomes_control as outcomes_control,
        cast(observed_outcomes_treatment as {{ dbt.type_float() }}) / nullif(tenants_treatment, 0)
            as outcome_rate_treatment,
        cast(observed_outcomes_control as {{ dbt.type_float() }}) / nullif(tenants_control, 0) as outcome_rate_control,
        lift,
        lift_standard_error,
        lift_ci_lower,
        lift_ci_upper,
        p_value
    from statistics
)

select * from final

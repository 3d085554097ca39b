{#
    One row per experiment x checkpoint (pilot_checkpoint_early_days = 45,
    pilot_checkpoint_final_days = 90) x arm: the tenants assigned to the arm
    by the checkpoint and those with the outcome by then.

    Day 0 is the date of the experiment's first assigned_at; the checkpoint
    date is day 0 + N. The default outcome is tenant activation
    (int_tenants_lifecycle.activated_at) on or before the checkpoint date. A
    checkpoint is observed when the as-of date is on or after its date;
    before that the outcome count is null (pending, never a partial count).
#}

with

assignments as (
    select * from {{ ref('stg_app__experiment_assignments') }}
),

tenants as (
    select * from {{ ref('int_tenants_lifecycle') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

experiments as (
    select
        experiment_id,
        min(assigned_at) as first_assigned_at,
        cast(min(assigned_at) as date) as first_assigned_date
    from assignments
    group by 1
),

checkpoints as (
    select
        'day_45' as checkpoint,
        cast({{ kpi_parameter('pilot_checkpoint_early_days') }} as integer) as checkpoint_days
    union all
    select
        'day_90' as checkpoint,
        cast({{ kpi_parameter('pilot_checkpoint_final_days') }} as integer) as checkpoint_days
),

experiment_checkpoints as (
    select
        experiments.experiment_id,
        experiments.first_assigned_at,
        checkpoints.checkpoint,
        checkpoints.checkpoint_days,
        cast({{ dbt.dateadd('day', 'checkpoints.checkpoint_days', 'experiments.first_assigned_date') }} as date)
            as checkpoint_date,
        as_of.as_of_date
    from experiments
    cross join checkpoints
    cross join as_of
),

tenant_outcomes as (
    select
        experiment_checkpoints.experiment_id,
        experiment_checkpoints.checkpoint,
        assignments.arm,
        assignments.tenant_id,
        coalesce(cast(tenants.activated_at as date) <= experiment_checkpoints.checkpoint_date, false)
            as has_outcome
    from experiment_checkpoints
    inner join assignments
        on
            experiment_checkpoints.experiment_id = assignments.experiment_id
            and cast(assignments.assigned_at as date) <= experiment_checkpoints.checkpoint_date
    left join tenants
        on assignments.tenant_id = tenants.tenant_id
),

arm_counts as (
    select
        experiment_id,
        checkpoint,
        arm,
        count(*) as tenants,
        sum(case when has_outcome then 1 else 0 end) as tenants_with_outcome
    from tenant_outcomes
    group by 1, 2, 3
),

final as (
    select
        experiment_checkpoints.experiment_id,
        experiment_checkpoints.checkpoint,
        experiment_checkpoints.checkpoint_days,
        experiment_checkpoints.first_assigned_at,
        experiment_checkpoints.checkpoint_date,
        experiment_checkpoints.as_of_date >= experiment_checkpoints.checkpoint_date as is_observed,
        arm_counts.arm,
        arm_counts.tenants,
        case
            when experiment_checkpoints.as_of_date >= experiment_checkpoints.checkpoint_date
                then arm_counts.tenants_with_outcome
        end as tenants_with_outcome
    from experiment_checkpoints
    inner join arm_counts
        on
            experiment_checkpoints.experiment_id = arm_counts.experiment_id
            and experiment_checkpoints.checkpoint = arm_counts.checkpoint
)

select * from final

{#
    Out-of-time back-test set: for every tenant and outcome whose label is
    known, the prediction made at the last scoring date strictly before the
    label became known (scoring_date < outcome_known_date). That model was
    trained only on labels known on or before its scoring date, so the
    tenant's own label (and every later one) was not in its training set.
    Tenants never scored before their outcome was known (too little training
    data at the time) are not in the back-test.
#}

with

labels as (
    select * from {{ ref('int_tenant_outcomes_labeled') }}
),

scores as (
    select * from {{ ref('int_tenant_risk_scored') }}
),

scored_before_known as (
    select
        labels.tenant_id,
        labels.outcome,
        labels.is_outcome,
        labels.outcome_known_date,
        cast(scores.scoring_date as date) as scoring_date,
        scores.probability,
        scores.baseline_probability,
        scores.alert_probability,
        scores.baseline_alert_probability,
        scores.training_tenants,
        row_number() over (
            partition by labels.tenant_id, labels.outcome
            order by scores.scoring_date desc
        ) as recency_rank
    from labels
    inner join scores
        on
            labels.tenant_id = scores.tenant_id
            and labels.outcome = scores.outcome
            and cast(scores.scoring_date as date) < labels.outcome_known_date
            and scores.model_status = 'scored'
),

final as (
    select
        tenant_id,
        outcome,
        is_outcome,
        case when outcome = 'renewal' then not is_outcome else is_outcome end as is_alert_event,
        outcome_known_date,
        scoring_date,
        probability,
        baseline_probability,
        alert_probability,
        baseline_alert_probability,
        training_tenants
    from scored_before_known
    where recency_rank = 1
)

select * from final

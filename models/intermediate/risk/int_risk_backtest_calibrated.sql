{#
    Calibration by decile of the back-test predictions, per outcome and
    model: predictions sorted by the outcome probability (ties by tenant_id)
    and cut into ten groups of near-equal size (ntile); mean predicted
    probability against the observed outcome rate.
#}

with

predictions as (
    select * from {{ ref('int_risk_backtest_predictions') }}
),

long_predictions as (
    select
        tenant_id,
        outcome,
        'onboarding_logistic' as model_name,
        probability,
        is_outcome
    from predictions
    union all
    select
        tenant_id,
        outcome,
        'baseline_tier_industry' as model_name,
        baseline_probability as probability,
        is_outcome
    from predictions
),

deciles as (
    select
        *,
        ntile(10) over (partition by outcome, model_name order by probability, tenant_id) as decile
    from long_predictions
),

final as (
    select
        outcome,
        model_name,
        decile,
        count(*) as predictions,
        -- an exact decimal mean does not depend on the order threads add rows in
        cast(avg({{ exact_decimal('probability', 38, 12) }}) as {{ dbt.type_float() }}) as mean_predicted_probability,
        avg(case when is_outcome then 1.0 else 0.0 end) as observed_rate,
        min(probability) as min_predicted_probability,
        max(probability) as max_predicted_probability
    from deciles
    group by 1, 2, 3
)

select * from final

{#
    Back-test metrics of the risk models, one row per outcome x model, on
    the out-of-time predictions of int_risk_backtest_predictions (SQL, so it
    runs in the warehouse on every engine; the formulas are those of
    tenant_kpis.stats.classification, which the tests compare it with):

    - ROC AUC of the outcome probability: the Mann-Whitney probability that
      a tenant with the outcome outscores one without, ties counting one
      half (average ranks);
    - Brier score: mean of (probability - outcome)^2;
    - the alert threshold on the alert probability (renewal: probability of
      NOT renewing; expansion: probability of expanding): the lowest
      predicted probability whose false-positive rate stays at or below
      max_alert_fpr (kpi_parameters), with precision and recall there; none
      qualifies -> no threshold and nothing alerted.

    Fewer than min_backtest_tenants predictions or fewer than
    min_training_class_count of a class give status
    insufficient_training_data and null metrics (the row is still there).
#}

with

predictions as (
    select * from {{ ref('int_risk_backtest_predictions') }}
),

outcomes as (
    select 'renewal' as outcome
    union all
    select 'expansion' as outcome
),

models as (
    select 'onboarding_logistic' as model_name
    union all
    select 'baseline_tier_industry' as model_name
),

settings as (
    select
        {{ kpi_parameter('max_alert_fpr') }} as max_alert_fpr,
        {{ risk_model_setting('min_backtest_tenants') }} as min_backtest_tenants,
        {{ risk_model_setting('min_training_class_count') }} as min_class_count
),

-- one row per prediction and model: the model's two probabilities
model_predictions as (
    select
        predictions.outcome,
        models.model_name,
        predictions.tenant_id,
        predictions.is_outcome,
        predictions.is_alert_event,
        predictions.scoring_date,
        predictions.training_tenants,
        case
            when models.model_name = 'onboarding_logistic' then predictions.probability
            else predictions.baseline_probability
        end as probability,
        case
            when models.model_name = 'onboarding_logistic' then predictions.alert_probability
            else predictions.baseline_alert_probability
        end as alert_probability
    from predictions
    cross join models
),

ranked as (
    select
        *,
        -- average rank of tied probabilities
        rank() over (partition by outcome, model_name order by probability)
        + (count(*) over (partition by outcome, model_name, probability) - 1) / 2.0
            as probability_rank
    from model_predictions
),

summary as (
    select
        outcome,
        model_name,
        count(*) as backtest_tenants,
        sum(case when is_alert_event then 1 else 0 end) as alert_events,
        sum(case when is_outcome then 1 else 0 end) as outcome_events,
        sum(case when is_outcome then probability_rank else 0 end) as outcome_rank_sum,
        -- exact decimals: a sum of doubles depends on the order rows arrive in
        cast(avg({{ exact_decimal(
            '(probability - case when is_outcome then 1.0 else 0.0 end)'
            ~ ' * (probability - case when is_outcome then 1.0 else 0.0 end)',
            38, 18
        ) }}) as {{ dbt.type_float() }}) as brier_score,
        min(training_tenants) as training_tenants_min,
        {{ median('training_tenants') }} as training_tenants_median,
        max(training_tenants) as training_tenants_max,
        min(scoring_date) as first_scoring_date,
        max(scoring_date) as last_scoring_date
    from ranked
    group by 1, 2
),

-- alerts at each candidate threshold: every distinct alert probability
candidate_thresholds as (
    select distinct
        outcome,
        model_name,
        alert_probability as alert_threshold
    from model_predictions
),

threshold_counts as (
    select
        candidate_thresholds.outcome,
        candidate_thresholds.model_name,
        candidate_thresholds.alert_threshold,
        count(*) as alerts,
        sum(case when model_predictions.is_alert_event then 1 else 0 end) as true_positives,
        sum(case when model_predictions.is_alert_event then 0 else 1 end) as false_positives
    from candidate_thresholds
    inner join model_predictions
        on
            candidate_thresholds.outcome = model_predictions.outcome
            and candidate_thresholds.model_name = model_predictions.model_name
            and model_predictions.alert_probability >= candidate_thresholds.alert_threshold
    group by 1, 2, 3
),

-- the false-positive rate only grows as the threshold falls, so the lowest
-- threshold within the budget is the last one before it is exceeded
threshold_chosen as (
    select
        threshold_counts.outcome,
        threshold_counts.model_name,
        threshold_counts.alert_threshold,
        threshold_counts.alerts,
        threshold_counts.true_positives,
        threshold_counts.false_positives,
        row_number() over (
            partition by threshold_counts.outcome, threshold_counts.model_name
            order by threshold_counts.alert_threshold asc
        ) as threshold_rank
    from threshold_counts
    inner join summary
        on
            threshold_counts.outcome = summary.outcome
            and threshold_counts.model_name = summary.model_name
    cross join settings
    where
        cast(threshold_counts.false_positives as {{ dbt.type_float() }})
        / nullif(summary.backtest_tenants - summary.alert_events, 0) <= settings.max_alert_fpr
),

evaluated as (
    select
        outcomes.outcome,
        models.model_name,
        settings.max_alert_fpr,
        coalesce(summary.backtest_tenants, 0) as backtest_tenants,
        coalesce(summary.alert_events, 0) as alert_events,
        summary.outcome_events,
        summary.outcome_rank_sum,
        summary.brier_score,
        summary.training_tenants_min,
        summary.training_tenants_median,
        summary.training_tenants_max,
        summary.first_scoring_date,
        summary.last_scoring_date,
        threshold_chosen.alert_threshold,
        coalesce(threshold_chosen.alerts, 0) as alerts,
        coalesce(threshold_chosen.true_positives, 0) as true_positives,
        coalesce(threshold_chosen.false_positives, 0) as false_positives,
        coalesce(summary.backtest_tenants, 0) < settings.min_backtest_tenants
        or coalesce(summary.alert_events, 0) < settings.min_class_count
        or coalesce(summary.backtest_tenants - summary.alert_events, 0) < settings.min_class_count
            as is_insufficient
    from outcomes
    cross join models
    cross join settings
    left join summary
        on
            outcomes.outcome = summary.outcome
            and models.model_name = summary.model_name
    left join threshold_chosen
        on
            outcomes.outcome = threshold_chosen.outcome
            and models.model_name = threshold_chosen.model_name
            and threshold_chosen.threshold_rank = 1
),

final as (
    select
        cast(outcome as {{ dbt.type_string() }}) as outcome,
        cast(model_name as {{ dbt.type_string() }}) as model_name,
        cast(
            case when is_insufficient then 'insufficient_training_data' else 'ok' end
            as {{ dbt.type_string() }}
        ) as status,
        cast(backtest_tenants as bigint) as backtest_tenants,
        cast(alert_events as bigint) as alert_events,
        cast(
            case
                when not is_insufficient and outcome_events > 0 and outcome_events < backtest_tenants
                    then
                        (outcome_rank_sum - outcome_events * (outcome_events + 1) / 2.0)
                        / (cast(outcome_events as {{ dbt.type_float() }}) * (backtest_tenants - outcome_events))
            end as {{ dbt.type_float() }}
        ) as roc_auc,
        cast(case when not is_insufficient then brier_score end as {{ dbt.type_float() }}) as brier_score,
        cast(max_alert_fpr as {{ dbt.type_float() }}) as max_alert_fpr,
        cast(case when not is_insufficient then alert_threshold end as {{ dbt.type_float() }})
            as alert_threshold,
        cast(case when not is_insufficient then alerts end as bigint) as alerts,
        cast(case when not is_insufficient then true_positives end as bigint) as true_positives,
        cast(case when not is_insufficient then false_positives end as bigint) as false_positives,
        cast(case
            when not is_insufficient and alerts > 0
                then cast(true_positives as {{ dbt.type_float() }}) / alerts
        end as {{ dbt.type_float() }}) as precision_at_threshold,
        cast(case
            when not is_insufficient
                then cast(true_positives as {{ dbt.type_float() }}) / alert_events
        end as {{ dbt.type_float() }}) as recall_at_threshold,
        cast(case
            when not is_insufficient
                then cast(false_positives as {{ dbt.type_float() }}) / (backtest_tenants - alert_events)
        end as {{ dbt.type_float() }}) as false_positive_rate_at_threshold,
        cast(training_tenants_min as bigint) as training_tenants_min,
        cast(training_tenants_median as {{ dbt.type_float() }}) as training_tenants_median,
        cast(training_tenants_max as bigint) as training_tenants_max,
        cast(first_scoring_date as date) as first_scoring_date,
        cast(last_scoring_date as date) as last_scoring_date
    from evaluated
)

select * from final

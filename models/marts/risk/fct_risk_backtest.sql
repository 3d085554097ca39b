{#
    Back-test of the renewal and expansion risk models, one row per outcome
    and model (onboarding_logistic and the baseline_tier_industry
    comparison), from the out-of-time predictions (each tenant scored at the
    last scoring date before its outcome became known). Calibration by
    decile is in fct_risk_backtest_calibration; its expected calibration
    error is summarised here.
#}

with

evaluated as (
    select * from {{ ref('int_risk_backtest_evaluated') }}
),

calibration as (
    select * from {{ ref('int_risk_backtest_calibrated') }}
),

calibration_error as (
    select
        outcome,
        model_name,
        sum(predictions * abs(mean_predicted_probability - observed_rate)) / sum(predictions)
            as expected_calibration_error
    from calibration
    group by 1, 2
),

baseline as (
    select
        outcome,
        roc_auc as baseline_roc_auc
    from evaluated
    where model_name = 'baseline_tier_industry'
),

final as (
    select
        cast(evaluated.outcome as {{ dbt.type_string() }}) as outcome,
        cast(evaluated.model_name as {{ dbt.type_string() }}) as model_name,
        cast(evaluated.status as {{ dbt.type_string() }}) as status,
        cast(evaluated.backtest_tenants as integer) as backtest_tenants,
        cast(evaluated.alert_events as integer) as alert_events,
        cast(evaluated.roc_auc as {{ dbt.type_float() }}) as roc_auc,
        cast(evaluated.roc_auc - baseline.baseline_roc_auc as {{ dbt.type_float() }}) as roc_auc_gain_over_baseline,
        cast(evaluated.brier_score as {{ dbt.type_float() }}) as brier_score,
        cast(
            case when evaluated.status = 'ok' then calibration_error.expected_calibration_error end
            as {{ dbt.type_float() }}
        ) as expected_calibration_error,
        cast(evaluated.max_alert_fpr as {{ dbt.type_float() }}) as max_alert_fpr,
        cast(evaluated.alert_threshold as {{ dbt.type_float() }}) as alert_threshold,
        cast(evaluated.alerts as integer) as alerts,
        cast(evaluated.true_positives as integer) as true_positives,
        cast(evaluated.false_positives as integer) as false_positives,
        cast(evaluated.precision_at_threshold as {{ dbt.type_float() }}) as precision_at_threshold,
        cast(evaluated.recall_at_threshold as {{ dbt.type_float() }}) as recall_at_threshold,
        cast(evaluated.false_positive_rate_at_threshold as {{ dbt.type_float() }}) as false_positive_rate_at_threshold,
        cast(evaluated.training_tenants_min as integer) as training_tenants_min,
        cast(evaluated.training_tenants_median as {{ dbt.type_float() }}) as training_tenants_median,
        cast(evaluated.training_tenants_max as integer) as training_tenants_max,
        cast(evaluated.first_scoring_date as date) as first_scoring_date,
        cast(evaluated.last_scoring_date as date) as last_scoring_date
    from evaluated
    left join baseline
        on evaluated.outcome = baseline.outcome
    left join calibration_error
        on
            evaluated.outcome = calibration_error.outcome
            and evaluated.model_name = calibration_error.model_name
)

select * from final

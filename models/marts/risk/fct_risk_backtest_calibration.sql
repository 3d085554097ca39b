{#
    Calibration by decile of the risk back-test (companion of
    fct_risk_backtest): per outcome, model and decile of predicted
    probability, the mean predicted probability and the observed rate.
#}

with

calibration as (
    select * from {{ ref('int_risk_backtest_calibrated') }}
),

final as (
    select
        cast(outcome as {{ dbt.type_string() }}) as outcome,
        cast(model_name as {{ dbt.type_string() }}) as model_name,
        cast(decile as integer) as decile,
        cast(predictions as integer) as predictions,
        cast(mean_predicted_probability as {{ dbt.type_float() }}) as mean_predicted_probability,
        cast(observed_rate as {{ dbt.type_float() }}) as observed_rate,
        cast(min_predicted_probability as {{ dbt.type_float() }}) as min_predicted_probability,
        cast(max_predicted_probability as {{ dbt.type_float() }}) as max_predicted_probability
    from calibration
)

select * from final

{#
    The risk scores of the Python step risk_scoring (src/tenant_kpis/
    python_steps/risk_scoring.py): per scoring week, live tenant and outcome,
    the probabilities of the onboarding logistic regression and of the tier
    + industry baseline, each fitted on that scoring date's point-in-time
    training set, and the top three drivers in words. The step runs between
    the two dbt phases of `tenant-kpis build`; this model reads its table
    after checking the run id (macro python_step_output).
    The step reads the relations below: declared, so that dbt orders them
    before this model and its lineage shows them (test_engines checks that
    the list equals the step's inputs).
#}
-- depends_on: {{ ref('int_risk_scoring_population') }}
-- depends_on: {{ ref('int_risk_training_examples') }}
-- depends_on: {{ ref('int_tenant_onboarding_features') }}
-- depends_on: {{ ref('risk_model_settings') }}
-- depends_on: {{ ref('risk_model_features') }}

with

scored as (
    select * from {{ python_step_output('tenant_risk_scored', 'risk_scoring') }}
),

final as (
    select
        cast(scoring_week_start as date) as scoring_week_start,
        cast(scoring_date as date) as scoring_date,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(outcome as {{ dbt.type_string() }}) as outcome,
        cast(model_status as {{ dbt.type_string() }}) as model_status,
        cast(probability as {{ dbt.type_float() }}) as probability,
        cast(baseline_probability as {{ dbt.type_float() }}) as baseline_probability,
        cast(alert_probability as {{ dbt.type_float() }}) as alert_probability,
        cast(baseline_alert_probability as {{ dbt.type_float() }}) as baseline_alert_probability,
        cast(training_tenants as bigint) as training_tenants,
        cast(training_outcomes as bigint) as training_outcomes,
        cast(driver_1 as {{ dbt.type_string() }}) as driver_1,
        cast(driver_2 as {{ dbt.type_string() }}) as driver_2,
        cast(driver_3 as {{ dbt.type_string() }}) as driver_3
    from scored
)

select * from final

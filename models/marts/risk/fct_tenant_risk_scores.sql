{#
    Risk scores per live tenant and scoring week: probabilities of renewal
    and of expansion (int_tenant_risk_scored), the risk band and the top
    three drivers of each.

    risk_band compares the probability of not renewing with the renewal alert
    threshold of the back-test (fct_risk_backtest, onboarding model): high at
    or above it, medium at or above medium_risk_threshold_share (0.5) of it,
    else low; while the back-test has too few outcomes to set a threshold,
    the seeded fallback_alert_threshold (0.5) is used (threshold_source
    says which). `unscored` when the tenant has no renewal probability (features pending
    or too little training data). is_expansion_opportunity flags expansion
    probabilities at or above the expansion alert threshold.
#}

with

scores as (
    select * from {{ ref('int_tenant_risk_scored') }}
),

backtest as (
    select * from {{ ref('int_risk_backtest_evaluated') }}
),

features as (
    select * from {{ ref('int_tenant_onboarding_features') }}
),

backtest_thresholds as (
    select
        max(case when outcome = 'renewal' then alert_threshold end) as renewal_backtest_threshold,
        max(case when outcome = 'expansion' then alert_threshold end) as expansion_backtest_threshold
    from backtest
    where model_name = 'onboarding_logistic' and status = 'ok'
),

thresholds as (
    select
        coalesce(renewal_backtest_threshold, {{ risk_model_setting('fallback_alert_threshold') }})
            as renewal_alert_threshold,
        coalesce(expansion_backtest_threshold, {{ risk_model_setting('fallback_alert_threshold') }})
            as expansion_alert_threshold,
        case when renewal_backtest_threshold is null then 'fallback' else 'backtest' end
            as renewal_threshold_source,
        case when expansion_backtest_threshold is null then 'fallback' else 'backtest' end
            as expansion_threshold_source
    from backtest_thresholds
),

pivoted as (
    select
        cast(scoring_week_start as date) as week_start,
        cast(scoring_date as date) as scoring_date,
        tenant_id,
        max(case when outcome = 'renewal' then model_status end) as renewal_model_status,
        max(case when outcome = 'expansion' then model_status end) as expansion_model_status,
        max(case when outcome = 'renewal' then probability end) as renewal_probability,
        max(case when outcome = 'expansion' then probability end) as expansion_probability,
        max(case when outcome = 'renewal' then training_tenants end) as renewal_training_tenants,
        max(case when outcome = 'expansion' then training_tenants end) as expansion_training_tenants,
        max(case when outcome = 'renewal' then driver_1 end) as renewal_driver_1,
        max(case when outcome = 'renewal' then driver_2 end) as renewal_driver_2,
        max(case when outcome = 'renewal' then driver_3 end) as renewal_driver_3,
        max(case when outcome = 'expansion' then driver_1 end) as expansion_driver_1,
        max(case when outcome = 'expansion' then driver_2 end) as expansion_driver_2,
        max(case when outcome = 'expansion' then driver_3 end) as expansion_driver_3
    from scores
    group by 1, 2, 3
),

banded as (
    select
        pivoted.*,
        thresholds.renewal_alert_threshold,
        thresholds.expansion_alert_threshold,
        thresholds.renewal_threshold_source,
        thresholds.expansion_threshold_source,
        case
            when pivoted.renewal_probability is null then 'unscored'
            when 1 - pivoted.renewal_probability >= thresholds.renewal_alert_threshold then 'high'
            when
                1 - pivoted.renewal_probability
                >= {{ risk_model_setting('medium_risk_threshold_share') }} * thresholds.renewal_alert_threshold
                then 'medium'
            else 'low'
        end as risk_band,
        case
            when pivoted.expansion_probability is not null and thresholds.expansion_alert_threshold is not null
                then pivoted.expansion_probability >= thresholds.expansion_alert_threshold
        end as is_expansion_opportunity
    from pivoted
    cross join thresholds
),

final as (
    select
        cast(banded.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(banded.week_start as date) as week_start,
        cast(banded.scoring_date as date) as scoring_date,
        cast(features.industry as {{ dbt.type_string() }}) as industry,
        cast(features.plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(banded.renewal_probability as {{ dbt.type_float() }}) as renewal_probability,
        cast(banded.expansion_probability as {{ dbt.type_float() }}) as expansion_probability,
        cast(banded.risk_band as {{ dbt.type_string() }}) as risk_band,
        cast(banded.is_expansion_opportunity as boolean) as is_expansion_opportunity,
        cast(banded.renewal_alert_threshold as {{ dbt.type_float() }}) as renewal_alert_threshold,
        cast(banded.expansion_alert_threshold as {{ dbt.type_float() }}) as expansion_alert_threshold,
        cast(banded.renewal_threshold_source as {{ dbt.type_string() }}) as renewal_threshold_source,
        cast(banded.expansion_threshold_source as {{ dbt.type_string() }}) as expansion_threshold_source,
        cast(banded.renewal_driver_1 as {{ dbt.type_string() }}) as renewal_driver_1,
        cast(banded.renewal_driver_2 as {{ dbt.type_string() }}) as renewal_driver_2,
        cast(banded.renewal_driver_3 as {{ dbt.type_string() }}) as renewal_driver_3,
        cast(banded.expansion_driver_1 as {{ dbt.type_string() }}) as expansion_driver_1,
        cast(banded.expansion_driver_2 as {{ dbt.type_string() }}) as expansion_driver_2,
        cast(banded.expansion_driver_3 as {{ dbt.type_string() }}) as expansion_driver_3,
        cast(banded.renewal_model_status as {{ dbt.type_string() }}) as renewal_model_status,
        cast(banded.expansion_model_status as {{ dbt.type_string() }}) as expansion_model_status,
        cast(banded.renewal_training_tenants as integer) as renewal_training_tenants,
        cast(banded.expansion_training_tenants as integer) as expansion_training_tenants
    from banded
    left join features
        on banded.tenant_id = features.tenant_id
)

select * from final

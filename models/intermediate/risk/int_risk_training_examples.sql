{#
    Point-in-time training sets of the risk model: one row per scoring date
    x outcome x tenant that the model may learn from at that date. A tenant
    enters the training set of a scoring date only when BOTH

    - its onboarding features were complete on or before the scoring date
      (features_available_date <= scoring_date), and
    - its outcome was known on or before the scoring date
      (outcome_known_date <= scoring_date).

    A label or a feature from after the scoring date therefore never trains
    the model that scores that date (unit test
    test_int_risk_training_examples_point_in_time).
#}

with

scoring_dates as (
    select * from {{ ref('int_risk_scoring_dates') }}
),

labels as (
    select * from {{ ref('int_tenant_outcomes_labeled') }}
),

features as (
    select * from {{ ref('int_tenant_onboarding_features') }}
),

labelled_features as (
    select
        labels.tenant_id,
        labels.outcome,
        labels.is_outcome,
        labels.outcome_known_date,
        features.features_available_date
    from labels
    inner join features
        on labels.tenant_id = features.tenant_id
),

final as (
    select
        scoring_dates.scoring_week_start,
        scoring_dates.scoring_date,
        labelled_features.outcome,
        labelled_features.tenant_id,
        labelled_features.is_outcome,
        labelled_features.outcome_known_date,
        labelled_features.features_available_date
    from scoring_dates
    inner join labelled_features
        on
            labelled_features.outcome_known_date <= scoring_dates.scoring_date
            and labelled_features.features_available_date <= scoring_dates.scoring_date
)

select * from final

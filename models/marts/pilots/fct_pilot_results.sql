{#
    The pilot decision brief: one row per experiment x checkpoint (day 45 and
    day 90 after the experiment's first assigned_at). Outcome rate per arm,
    lift with its 95% Newcombe interval and p-value (int_pilot_lifts_computed),
    the balance of the arms at assignment (int_pilot_balance_checked) and
    the verdict of the first matching rule of seed pilot_decision_rules;
    `pending` while the checkpoint is not observed, `insufficient_data` when
    an arm is empty.

    A rule condition is a number or a kpi_parameters name (e.g. min_effect);
    an empty condition always holds.
#}

with

lifts as (
    select * from {{ ref('int_pilot_lifts_computed') }}
),

balance as (
    select * from {{ ref('int_pilot_balance_checked') }}
),

rules as (
    select * from {{ ref('pilot_decision_rules') }}
),

parameters as (
    select * from {{ ref('kpi_parameters') }}
),

rule_thresholds as (
    select
        rules.rule_order,
        rules.verdict,
        rules.what_it_means,
        case
            when ci_lower_parameter.parameter_value is not null then ci_lower_parameter.parameter_value
            when rules.ci_lower_above is not null then cast(rules.ci_lower_above as {{ dbt.type_float() }})
        end
            as ci_lower_above,
        case
            when lift_parameter.parameter_value is not null then lift_parameter.parameter_value
            when rules.lift_at_least is not null then cast(rules.lift_at_least as {{ dbt.type_float() }})
        end
            as lift_at_least,
        case
            when ci_upper_parameter.parameter_value is not null then ci_upper_parameter.parameter_value
            when rules.ci_upper_below is not null then cast(rules.ci_upper_below as {{ dbt.type_float() }})
        end
            as ci_upper_below
    from rules
    left join parameters as ci_lower_parameter
        on rules.ci_lower_above = ci_lower_parameter.parameter_name
    left join parameters as lift_parameter
        on rules.lift_at_least = lift_parameter.parameter_name
    left join parameters as ci_upper_parameter
        on rules.ci_upper_below = ci_upper_parameter.parameter_name
),

matched_rules as (
    select
        lifts.experiment_id,
        lifts.checkpoint,
        rule_thresholds.verdict,
        rule_thresholds.what_it_means,
        row_number() over (
            partition by lifts.experiment_id, lifts.checkpoint
            order by rule_thresholds.rule_order
        ) as match_rank
    from lifts
    inner join rule_thresholds
        on
            (rule_thresholds.ci_lower_above is null or lifts.lift_ci_lower > rule_thresholds.ci_lower_above)
            and (rule_thresholds.lift_at_least is null or lifts.lift >= rule_thresholds.lift_at_least)
            and (rule_thresholds.ci_upper_below is null or lifts.lift_ci_upper < rule_thresholds.ci_upper_below)
    where lifts.lift is not null
),

decided as (
    select
        lifts.*,
        case
            when not lifts.is_observed then 'pending'
            when lifts.lift is null then 'insufficient_data'
            else matched_rules.verdict
        end as verdict,
        matched_rules.what_it_means as rule_meaning
    from lifts
    left join matched_rules
        on
            lifts.experiment_id = matched_rules.experiment_id
            and lifts.checkpoint = matched_rules.checkpoint
            and matched_rules.match_rank = 1
),

explained as (
    select
        *,
        case
            when verdict = 'pending'
                then
                    'Day ' || cast(checkpoint_days as {{ dbt.type_string() }}) || ' is not observed until '
                    || cast(checkpoint_date as {{ dbt.type_string() }}) || ': no verdict yet.'
            when verdict = 'insufficient_data'
                then
                    'An arm has no tenant at day ' || cast(checkpoint_days as {{ dbt.type_string() }})
                    || ': no comparison is possible.'
            else
                'At day ' || cast(checkpoint_days as {{ dbt.type_string() }}) || ', '
                || cast({{ round_to('100 * outcome_rate_treatment', 0) }} as integer) || '% of treatment vs '
                || cast({{ round_to('100 * outcome_rate_control', 0) }} as integer)
                || '% of control tenants activated ('
                || case when lift >= 0 then '+' else '' end || {{ number_to_text('100 * lift', 1) }}
                || ' pts, 95% CI ' || {{ number_to_text('100 * lift_ci_lower', 1) }} || ' to '
                || {{ number_to_text('100 * lift_ci_upper', 1) }} || ' pts'
                || coalesce(', p = ' || {{ number_to_text('p_value', 3) }}, '') || '): '
                || verdict || '. ' || coalesce(rule_meaning, '')
        end as what_it_means
    from decided
),

final as (
    select
        cast(explained.experiment_id as {{ dbt.type_string() }}) as experiment_id,
        cast(explained.checkpoint as {{ dbt.type_string() }}) as checkpoint,
        cast(explained.checkpoint_days as integer) as checkpoint_days,
        cast(explained.first_assigned_at as timestamp) as first_assigned_at,
        cast(explained.checkpoint_date as date) as checkpoint_date,
        cast(explained.is_observed as boolean) as is_observed,
        cast('activated_by_checkpoint' as {{ dbt.type_string() }}) as outcome_name,
        cast(explained.tenants_treatment as integer) as tenants_treatment,
        cast(explained.tenants_control as integer) as tenants_control,
        cast(explained.outcomes_treatment as integer) as outcomes_treatment,
        cast(explained.outcomes_control as integer) as outcomes_control,
        cast(explained.outcome_rate_treatment as {{ dbt.type_float() }}) as outcome_rate_treatment,
        cast(explained.outcome_rate_control as {{ dbt.type_float() }}) as outcome_rate_control,
        cast(explained.lift as {{ dbt.type_float() }}) as lift,
        cast(explained.lift_standard_error as {{ dbt.type_float() }}) as lift_standard_error,
        cast(explained.lift_ci_lower as {{ dbt.type_float() }}) as lift_ci_lower,
        cast(explained.lift_ci_upper as {{ dbt.type_float() }}) as lift_ci_upper,
        cast(explained.p_value as {{ dbt.type_float() }}) as p_value,
        cast(balance.sample_ratio_p_value as {{ dbt.type_float() }}) as sample_ratio_p_value,
        cast(balance.seats_standardized_difference as {{ dbt.type_float() }}) as seats_standardized_difference,
        cast(balance.seats_mann_whitney_p_value as {{ dbt.type_float() }}) as seats_mann_whitney_p_value,
        cast(balance.plan_tier_chi_square_p_value as {{ dbt.type_float() }}) as plan_tier_chi_square_p_value,
        cast(balance.plan_tier_max_abs_standardized_difference as {{ dbt.type_float() }})
            as plan_tier_max_abs_standardized_difference,
        cast(balance.industry_chi_square_p_value as {{ dbt.type_float() }}) as industry_chi_square_p_value,
        cast(balance.industry_max_abs_standardized_difference as {{ dbt.type_float() }})
            as industry_max_abs_standardized_difference,
        cast(balance.is_balanced as boolean) as is_balanced,
        cast(balance.balance_issues as {{ dbt.type_string() }}) as balance_issues,
        cast(explained.verdict as {{ dbt.type_string() }}) as verdict,
        cast(explained.what_it_means as {{ dbt.type_string() }}) as what_it_means
    from explained
    left join balance
        on explained.experiment_id = balance.experiment_id
)

select * from final

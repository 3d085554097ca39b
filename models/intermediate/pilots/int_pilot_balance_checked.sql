{#
    The balance of the pilot arms at assignment from the Python step
    pilot_balance (src/tenant_kpis/python_steps/pilot_balance.py, scipy):
    one row per experiment. The step runs between the two dbt phases of
    `tenant-kpis build`; this model reads its table after checking the run
    id (macro python_step_output).
    The step reads the relations below: declared, so that dbt orders them
    before this model and its lineage shows them (test_engines checks that
    the list equals the step's inputs).
#}
-- depends_on: {{ ref('stg_app__experiment_assignments') }}
-- depends_on: {{ ref('int_tenants_lifecycle') }}
-- depends_on: {{ ref('kpi_parameters') }}

with

checked as (
    select * from {{ python_step_output('pilot_balance_checked', 'pilot_balance') }}
),

final as (
    select
        cast(experiment_id as {{ dbt.type_string() }}) as experiment_id,
        cast(tenants_treatment as bigint) as tenants_treatment,
        cast(tenants_control as bigint) as tenants_control,
        cast(sample_ratio_p_value as {{ dbt.type_float() }}) as sample_ratio_p_value,
        cast(mean_seats_treatment as {{ dbt.type_float() }}) as mean_seats_treatment,
        cast(mean_seats_control as {{ dbt.type_float() }}) as mean_seats_control,
        cast(seats_standardized_difference as {{ dbt.type_float() }}) as seats_standardized_difference,
        cast(seats_mann_whitney_p_value as {{ dbt.type_float() }}) as seats_mann_whitney_p_value,
        cast(plan_tier_chi_square_p_value as {{ dbt.type_float() }}) as plan_tier_chi_square_p_value,
        cast(plan_tier_max_abs_standardized_difference as {{ dbt.type_float() }})
            as plan_tier_max_abs_standardized_difference,
        cast(industry_chi_square_p_value as {{ dbt.type_float() }}) as industry_chi_square_p_value,
        cast(industry_max_abs_standardized_difference as {{ dbt.type_float() }})
            as industry_max_abs_standardized_difference,
        cast(is_balanced as boolean) as is_balanced,
        cast(balance_issues as {{ dbt.type_string() }}) as balance_issues
    from checked
)

select * from final

{#
    The parameters of the scorecard's status rule, its intervals, the
    alert rules (kpi alerts and early warnings) and the pilots' decision
    rule, for BI users and the brief (which caps its alert list at
    alert_owner_capacity and draws min_effect on the pilot page): the rows
    of seed kpi_parameters that fct_kpi_weekly, fct_kpi_scorecard,
    fct_kpi_early_warning_weekly, fct_kpi_alerts and fct_pilot_results apply.
#}

with

kpi_parameters as (
    select * from {{ ref('kpi_parameters') }}
),

final as (
    select
        cast(parameter_name as {{ dbt.type_string() }}) as parameter_name,
        cast(parameter_value as {{ dbt.type_float() }}) as parameter_value,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(used_by as {{ dbt.type_string() }}) as used_by,
        cast(description as {{ dbt.type_string() }}) as description
    from kpi_parameters
    where parameter_name in (
        'interval_confidence',
        'interval_z',
        'min_sample_size',
        'small_sample_band_width_ratio',
        'at_risk_margin',
        'alert_consecutive_weeks',
        'alert_minimum_units',
        'early_warning_cohort_weeks',
        'early_warning_consecutive_weeks',
        'early_warning_minimum_units',
        'early_warning_interval_confidence',
        'early_warning_interval_z',
        'alert_owner_capacity',
        'min_effect'
    )
)

select * from final

{#
    The alert rules the simulation compares, one row each:
    - previous_rule: the rule before intervals (value basis: off_track
      when the value alone is past the at-risk margin; 2 consecutive weeks,
      at least 5 units);
    - interval_k<k>_m<m>: off_track on the interval basis for k weeks in a
      row with at least m units, for every k of the var
      alert_simulation_consecutive_weeks and m of
      alert_simulation_minimum_units;
    - configured_rule: the rule fct_kpi_alerts applies (kpi_parameters
      alert_consecutive_weeks and alert_minimum_units).
#}

with

candidates as (
    select
        'previous_rule' as candidate_rule,
        'value' as status_basis,
        2 as alert_consecutive_weeks,
        5 as alert_minimum_units
    {%- for weeks in var('alert_simulation_consecutive_weeks') %}
        {%- for units in var('alert_simulation_minimum_units') %}
            union all
            select
                'interval_k{{ weeks }}_m{{ units }}' as candidate_rule,
                'interval' as status_basis,
                {{ weeks }} as alert_consecutive_weeks,
                {{ units }} as alert_minimum_units
        {%- endfor %}
    {%- endfor %}
    union all
    select
        'configured_rule' as candidate_rule,
        'interval' as status_basis,
        cast({{ kpi_parameter('alert_consecutive_weeks') }} as integer) as alert_consecutive_weeks,
        cast({{ kpi_parameter('alert_minimum_units') }} as integer) as alert_minimum_units
),

final as (
    select
        cast(candidate_rule as {{ dbt.type_string() }}) as candidate_rule,
        cast(status_basis as {{ dbt.type_string() }}) as status_basis,
        cast(alert_consecutive_weeks as integer) as alert_consecutive_weeks,
        cast(alert_minimum_units as integer) as alert_minimum_units
    from candidates
)

select * from final

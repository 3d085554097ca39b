{#
    Health KPI family, one row per complete week x KPI x segment (all,
    industry, plan_tier, onboarding_cohort), over the live tenants scored in
    int_tenant_health_scored:

    - health_score_mean = sum of health scores / live tenants scored;
    - at_risk_tenant_share = live tenants in the at_risk band / live tenants scored.

    Intervals (seed kpi_interval_methods): health_score_mean is a mean over
    tenants (Student t interval: the linearised ratio with denominator 1),
    at_risk_tenant_share a proportion (Wilson); unit_count = live tenants.
#}

{%- set segments = kpi_segments('tenant') %}

with

health as (
    select * from {{ ref('int_tenant_health_scored') }}
),

health_score_mean as (
    select
        week_start,
        'health_score_mean' as kpi_name,
        {{ kpi_segment_columns(segments) }},
        -- a decimal sum is exact, so the mean does not depend on the order threads add rows
        -- in; 18 decimals keep a double score to its last bit or so (a score is not rounded:
        -- rounding is for presentation)
        cast(sum({{ exact_decimal('health_score', 38, 18) }}) as {{ dbt.type_float() }}) as numerator,
        cast(count(*) as {{ dbt.type_float() }}) as denominator,
        {{ linearized_ratio_sums(['health_score', '1']) }}
    from health
    {{ kpi_grouping_sets(segments) }}  -- noqa: PRS
),

at_risk_tenant_share as (
    select
        week_start,
        'at_risk_tenant_share' as kpi_name,
        {{ kpi_segment_columns(segments) }},
        cast(sum(case when health_band = 'at_risk' then 1 else 0 end) as {{ dbt.type_float() }}) as numerator,
        cast(count(*) as {{ dbt.type_float() }}) as denominator
    from health
    {{ kpi_grouping_sets(segments) }}  -- noqa: PRS
),

health_score_mean_with_interval as (
    select
        week_start,
        kpi_name,
        segment_type,
        segment_value,
        numerator,
        denominator,
        linearized_units as unit_count,
        {{ linearized_ratio_interval_bound([1, -1], 'lower', lowest='0.0') }} as interval_lower,
        {{ linearized_ratio_interval_bound([1, -1], 'upper', highest='100.0') }} as interval_upper,
        'linearized_ratio_t' as interval_method
    from health_score_mean
),

at_risk_tenant_share_with_interval as (
    select
        *,
        cast(denominator as integer) as unit_count,
        {{ wilson_interval_bound('numerator', 'denominator', 'lower') }} as interval_lower,
        {{ wilson_interval_bound('numerator', 'denominator', 'upper') }} as interval_upper,
        'wilson' as interval_method
    from at_risk_tenant_share
),

unioned as (
    select * from health_score_mean_with_interval
    union all
    select * from at_risk_tenant_share_with_interval
),

final as (
    select
        {{ kpi_family_columns(value='numerator / nullif(denominator, 0)') }}
    from unioned
)

select * from final

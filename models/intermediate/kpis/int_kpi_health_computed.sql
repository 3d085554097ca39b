{#
    Health KPI family, one row per complete week x KPI x segment (all,
    industry, plan_tier, onboarding_cohort), over the live tenants scored in
    int_tenant_health_scored:

    - health_score_mean = sum of health scores / live tenants scored;
    - at_risk_tenant_share = live tenants in the at_risk band / live tenants scored.
#}

{%- set segments = {'industry': 'industry', 'plan_tier': 'plan_tier', 'onboarding_cohort': 'onboarding_cohort'} %}

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
        cast(sum(cast(health_score as decimal(38, 18))) as double) as numerator,
        cast(count(*) as double) as denominator
    from health
    {{ kpi_grouping_sets(segments) }}  -- noqa: PRS
),

at_risk_tenant_share as (
    select
        week_start,
        'at_risk_tenant_share' as kpi_name,
        {{ kpi_segment_columns(segments) }},
        cast(sum(case when health_band = 'at_risk' then 1 else 0 end) as double) as numerator,
        cast(count(*) as double) as denominator
    from health
    {{ kpi_grouping_sets(segments) }}  -- noqa: PRS
),

unioned as (
    select * from health_score_mean
    union all
    select * from at_risk_tenant_share
),

final as (
    select
        cast(week_start as date) as week_start,
        cast(kpi_name as varchar) as kpi_name,
        cast(segment_type as varchar) as segment_type,
        cast(segment_value as varchar) as segment_value,
        cast(numerator / nullif(denominator, 0) as double) as value,
        numerator,
        denominator
    from unioned
)

select * from final

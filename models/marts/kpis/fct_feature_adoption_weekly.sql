{#
    Feature adoption (spec KPI 1): one row per complete week x feature x
    segment (all, industry, plan_tier). feature_adoption_rate = tenants
    using the feature in the week / tenants active in the week (at least one
    active user). Every feature ever used appears in every week and segment
    with active tenants, with 0 users when unused.
#}

{%- set segments = {'industry': 'industry', 'plan_tier': 'plan_tier'} %}

with

tenant_weeks as (
    select * from {{ ref('int_tenant_weeks_aggregated') }}
),

tenant_feature_weeks as (
    select * from {{ ref('int_tenant_feature_weeks_aggregated') }}
),

features as (
    select distinct feature_name
    from tenant_feature_weeks
),

active_tenant_features as (
    select
        tenant_weeks.week_start,
        tenant_weeks.tenant_id,
        tenant_weeks.industry,
        tenant_weeks.plan_tier,
        features.feature_name,
        tenant_feature_weeks.tenant_id is not null as is_using_feature
    from tenant_weeks
    cross join features
    left join tenant_feature_weeks
        on
            tenant_weeks.tenant_id = tenant_feature_weeks.tenant_id
            and tenant_weeks.week_start = tenant_feature_weeks.week_start
            and features.feature_name = tenant_feature_weeks.feature_name
    where tenant_weeks.weekly_active_users > 0
),

segmented as (
    select
        week_start,
        feature_name,
        {{ kpi_segment_columns(segments) }},
        sum(case when is_using_feature then 1 else 0 end) as tenants_using_feature,
        count(*) as active_tenants
    from active_tenant_features
    {{ kpi_grouping_sets(segments, grain_columns='week_start, feature_name') }}  -- noqa: PRS
),

final as (
    select
        cast(week_start as date) as week_start,
        cast(feature_name as {{ dbt.type_string() }}) as feature_name,
        cast(segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(segment_value as {{ dbt.type_string() }}) as segment_value,
        cast(tenants_using_feature as integer) as tenants_using_feature,
        cast(active_tenants as integer) as active_tenants,
        cast(tenants_using_feature as {{ dbt.type_float() }}) / nullif(active_tenants, 0) as feature_adoption_rate
    from segmented
)

select * from final

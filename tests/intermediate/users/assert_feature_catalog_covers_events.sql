{{ config(severity='warn', group='kpi_analytics') }}

{#
    The feature_catalog seed is the denominator of end-user feature breadth
    and its is_critical flag must agree with the `critical` property of
    feature_used events (days_to_first_critical_feature reads the event
    property). Returns each feature used in events that is missing from the
    catalog or whose criticality disagrees with it. A warning, not an error:
    a new feature in the product should prompt a seed update, not stop the
    build.

    Read beside the feature adoption mart, the catalog's reader, rather than
    ahead of everything built on the events: `dbt build` holds each node
    whose ancestors include all of a test's parents until the test ends, and
    this test scans every feature_used event (0.85 s of the 2,000-tenant
    weekly run, on the path to the user models). With the mart as a parent
    too, it holds back only what is built on that mart; a warning stops
    nothing, so it need not come first.
#}
-- depends_on: {{ ref('fct_feature_adoption_weekly') }}

with

events as (
    select * from {{ ref('stg_product__events') }}
),

feature_catalog as (
    select * from {{ ref('feature_catalog') }}
),

used_features as (
    select
        feature_name,
        {{ dbt.bool_or('coalesce(is_critical_feature, false)') }} as is_ever_critical,
        {{ dbt.bool_or('not coalesce(is_critical_feature, false)') }} as is_ever_not_critical,
        count(*) as events
    from events
    where event_name = 'feature_used' and feature_name is not null
    group by 1
),

final as (
    select
        used_features.feature_name,
        used_features.events,
        feature_catalog.is_critical as catalog_is_critical,
        case
            when feature_catalog.feature is null then 'not_in_catalog'
            else 'criticality_mismatch'
        end as problem
    from used_features
    left join feature_catalog
        on used_features.feature_name = feature_catalog.feature
    where
        feature_catalog.feature is null
        or (feature_catalog.is_critical and used_features.is_ever_not_critical)
        or (not feature_catalog.is_critical and used_features.is_ever_critical)
)

select * from final

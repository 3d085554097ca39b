{#
    Content freshness KPI family (spec KPI 5), one row per complete week x
    KPI, segment all only: content is shared by every tenant, so the KPIs
    are platform-wide and have no tenant segment.

    The week's end e is its last day (Sunday); comparisons are on dates.
    Live content: date(published_at) <= e and no date(retired_at) <= e. Last
    known update: last_updated_at when its date is <= e, else published_at.
    Fresh: days(last known update, e) <= content_fresh_days.

    content_freshness_rate = fresh live items / live items.
    content_freshness_weighted = content_viewed events of the week on fresh
    live items / all content_viewed events of the week (views of unknown or
    retired items count in the denominator only).

    Intervals (seed kpi_interval_methods): content_freshness_rate is a
    proportion of live items (Wilson, unit_count = items);
    content_freshness_weighted pools views over the viewed items, whose
    views are not independent of each other, so the item is the unit
    (unit_count = viewed items) of a linearised ratio interval.
#}

with

content as (
    select * from {{ ref('stg_learning__content') }}
),

events as (
    select * from {{ ref('stg_product__events') }}
),

complete_weeks as (
    select * from {{ ref('int_weeks_completed') }}
),

live_content_weeks as (
    select
        complete_weeks.week_start,
        content.content_id,
        case
            when cast(content.last_updated_at as date) <= complete_weeks.week_last_date
                then cast(content.last_updated_at as date)
            else cast(content.published_at as date)
        end as last_known_update_date,
        complete_weeks.week_last_date
    from complete_weeks
    inner join content
        on cast(content.published_at as date) <= complete_weeks.week_last_date
    where coalesce(cast(content.retired_at as date) > complete_weeks.week_last_date, true)
),

content_freshness as (
    select
        week_start,
        content_id,
        {{ dbt.datediff('last_known_update_date', 'week_last_date', 'day') }}
        <= {{ kpi_parameter('content_fresh_days') }} as is_fresh
    from live_content_weeks
),

content_views as (
    select
        cast({{ dbt.date_trunc('week', 'occurred_date') }} as date) as week_start,
        content_id,
        count(*) as views
    from events
    where event_name = 'content_viewed'
    group by 1, 2
),

freshness_rate as (
    select
        week_start,
        'content_freshness_rate' as kpi_name,
        cast(sum(case when is_fresh then 1 else 0 end) as {{ dbt.type_float() }}) as numerator,
        cast(count(*) as {{ dbt.type_float() }}) as denominator
    from content_freshness
    group by 1
),

viewed_items as (
    select
        complete_weeks.week_start,
        content_views.content_id,
        case when content_freshness.is_fresh then content_views.views else 0 end as fresh_views,
        content_views.views
    from complete_weeks
    inner join content_views
        on complete_weeks.week_start = content_views.week_start
    left join content_freshness
        on
            content_views.week_start = content_freshness.week_start
            and content_views.content_id = content_freshness.content_id
),

views_weighted as (
    select
        week_start,
        'content_freshness_weighted' as kpi_name,
        cast(sum(fresh_views) as {{ dbt.type_float() }}) as numerator,
        cast(sum(views) as {{ dbt.type_float() }}) as denominator,
        {{ linearized_ratio_sums(['fresh_views', 'views'], exact_type='bigint') }}
    from viewed_items
    group by 1
),

freshness_rate_with_interval as (
    select
        *,
        cast(denominator as integer) as unit_count,
        {{ wilson_interval_bound('numerator', 'denominator', 'lower') }} as interval_lower,
        {{ wilson_interval_bound('numerator', 'denominator', 'upper') }} as interval_upper,
        'wilson' as interval_method
    from freshness_rate
),

views_weighted_with_interval as (
    select
        week_start,
        kpi_name,
        numerator,
        denominator,
        linearized_units as unit_count,
        {{ linearized_ratio_interval_bound([1, -1], 'lower', lowest='0.0') }} as interval_lower,
        {{ linearized_ratio_interval_bound([1, -1], 'upper', highest='1.0') }} as interval_upper,
        'linearized_ratio_t' as interval_method
    from views_weighted
),

unioned as (
    select * from freshness_rate_with_interval
    union all
    select * from views_weighted_with_interval
),

final as (
    select
        {{ kpi_family_columns(
            value='numerator / nullif(denominator, 0)', segment_type="'all'", segment_value="'all'"
        ) }}
    from unioned
)

select * from final

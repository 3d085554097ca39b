{#
    Cost per learner KPI family (spec KPI 4), one row per complete week x
    segment (all, industry, plan_tier, onboarding_cohort).

    Each week reports the last complete month at its last day e: the month
    before the month holding e + 1 day (so a week ending on a month's last
    day reports that month). A learner is a user with at least one learning
    event in the month.

    A tenant's cost = its own cost lines of the month + the month's
    platform-wide lines (null tenant_id) x its learners / all learners of the
    month. A segment pools its tenants: numerator = their own lines + the
    platform lines x their learners / all learners (USD), denominator =
    their learners, value = numerator / denominator. For the segment all this
    is literally all cost lines of the month / all learners of the month (the
    platform KPI). Tenants with cost lines but no learners keep their own
    lines in the numerator. When the month has no learner at all the
    platform lines cannot be allocated and the value is null.

    A cost line counts in the month it is dated, also when that month is
    before the tenant's onboarding (a licence paid at signing): in all,
    industry and plan_tier. An onboarding-cohort segment has rows only from
    the week holding the cohort's first day on (the fct_kpi_weekly grid,
    macro kpi_segment_has_started), so a cohort's lines dated in a month
    that only earlier weeks report appear in all, industry and plan_tier,
    not in a cohort row. Amounts are summed as exact decimals (10 places),
    never rounded to cents.

    Interval (seed kpi_interval_methods): the linearised variance of the
    ratio cost / learners with the segment's tenants as units (unit_count),
    each tenant's cost being its own lines + its platform share, and a
    Student t critical value (macro linearized_ratio_interval_bound).
#}

{%- set segments = kpi_segments('tenant') %}

with

tenants as (
    select * from {{ ref('int_tenants_lifecycle') }}
),

costs as (
    select * from {{ ref('stg_finance__learning_costs') }}
),

user_days as (
    select * from {{ ref('int_user_days_aggregated') }}
),

complete_weeks as (
    select * from {{ ref('int_weeks_completed') }}
),

week_months as (
    select
        week_start,
        cast(
            {{ dbt.dateadd('month', -1, dbt.date_trunc('month', dbt.dateadd('day', 1, 'week_last_date'))) }}
            as date
        ) as cost_month
    from complete_weeks
),

tenant_month_learners as (
    select
        tenant_id,
        cast({{ dbt.date_trunc('month', 'activity_date') }} as date) as cost_month,
        count(distinct user_id) as learners
    from user_days
    where learning_events > 0
    group by 1, 2
),

tenant_month_costs as (
    select
        tenant_id,
        cost_month,
        -- decimal sums are exact, so the result does not depend on the order threads add rows in
        sum({{ exact_decimal('amount_usd', 38, 10) }}) as own_cost_usd
    from costs
    where tenant_id is not null
    group by 1, 2
),

cost_months as (
    select cost_month from costs
    union
    select cost_month from tenant_month_learners
),

platform_costs as (
    select
        cost_month,
        sum({{ exact_decimal('amount_usd', 38, 10) }}) as platform_cost_usd
    from costs
    where tenant_id is null
    group by 1
),

learner_totals as (
    select
        cost_month,
        sum(learners) as total_learners
    from tenant_month_learners
    group by 1
),

platform_months as (
    select
        cost_months.cost_month,
        coalesce(platform_costs.platform_cost_usd, 0) as platform_cost_usd,
        coalesce(learner_totals.total_learners, 0) as total_learners
    from cost_months
    left join platform_costs
        on cost_months.cost_month = platform_costs.cost_month
    left join learner_totals
        on cost_months.cost_month = learner_totals.cost_month
),

-- every tenant with learners or own cost lines in the month, onboarded or
-- not: a licence paid before onboarding is a cost line of its month
tenant_months as (
    select
        coalesce(tenant_month_learners.tenant_id, tenant_month_costs.tenant_id) as tenant_id,
        coalesce(tenant_month_learners.cost_month, tenant_month_costs.cost_month) as cost_month,
        coalesce(tenant_month_learners.learners, 0) as learners,
        coalesce(tenant_month_costs.own_cost_usd, 0) as own_cost_usd
    from tenant_month_learners
    full outer join tenant_month_costs
        on
            tenant_month_learners.tenant_id = tenant_month_costs.tenant_id
            and tenant_month_learners.cost_month = tenant_month_costs.cost_month
),

tenant_weeks as (
    select
        week_months.week_start,
        tenants.industry,
        tenants.plan_tier,
        tenants.onboarding_cohort,
        tenant_months.learners,
        tenant_months.own_cost_usd,
        platform_months.platform_cost_usd,
        platform_months.total_learners,
        -- the tenant's own cost, a unit of the interval's linearised variance
        cast(tenant_months.own_cost_usd as {{ dbt.type_float() }})
        + cast(platform_months.platform_cost_usd as {{ dbt.type_float() }})
        * (
            cast(tenant_months.learners as {{ dbt.type_float() }})
            / nullif(platform_months.total_learners, 0)
        ) as tenant_cost_usd
    from week_months
    inner join tenant_months
        on week_months.cost_month = tenant_months.cost_month
    inner join platform_months
        on tenant_months.cost_month = platform_months.cost_month
    inner join tenants
        on tenant_months.tenant_id = tenants.tenant_id
),

-- per segment: own lines + the platform lines x the segment's share of the
-- month's learners (for the segment all, the share is 1: all cost lines)
segment_costs as (
    select
        week_start,
        'cost_per_learner_usd' as kpi_name,
        {{ kpi_segment_columns(segments) }},
        sum(own_cost_usd) as own_cost_usd,
        sum(learners) as learners,
        max(platform_cost_usd) as platform_cost_usd,
        max(total_learners) as total_learners,
        {{ linearized_ratio_sums(['tenant_cost_usd', 'learners']) }}
    from tenant_weeks
    {{ kpi_grouping_sets(segments) }}  -- noqa: PRS
),

cost_per_learner as (
    select
        week_start,
        kpi_name,
        segment_type,
        segment_value,
        -- null when the month has no learner: its platform lines cannot be allocated
        case
            when total_learners > 0
                then
                    cast(own_cost_usd as {{ dbt.type_float() }})
                    + cast(platform_cost_usd as {{ dbt.type_float() }})
                    * (cast(learners as {{ dbt.type_float() }}) / total_learners)
        end as numerator,
        cast(learners as {{ dbt.type_float() }}) as denominator,
        linearized_units,
        linearized_sum_1,
        linearized_sum_2,
        linearized_cross_1_1,
        linearized_cross_1_2,
        linearized_cross_2_2
    from segment_costs
    where {{ kpi_segment_has_started() }}
),

final as (
    select
        {{ kpi_family_columns(
            value='numerator / nullif(denominator, 0)',
            unit_count='linearized_units',
            interval_lower='case when numerator is not null then '
                ~ linearized_ratio_interval_bound([1, -1], 'lower', lowest='0.0') ~ ' end',
            interval_upper='case when numerator is not null then '
                ~ linearized_ratio_interval_bound([1, -1], 'upper') ~ ' end',
            interval_method="'linearized_ratio_t'"
        ) }}
    from cost_per_learner
)

select * from final

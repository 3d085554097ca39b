{#
    Performance improvement KPI family (spec KPI 3), one row per complete
    week x KPI x segment (all, industry, plan_tier, onboarding_cohort of the
    user's tenant).

    performance_improvement: for a user whose first certification is on day
    c, pre window = days c-W .. c-1, post window = c+1 .. c+W
    (W = performance_window_days). A user is eligible when both windows hold
    at least min_tasks_per_window tasks (task_completed + task_failed). The
    week with last day e pools the eligible users with
    0 <= days(c, e) < performance_trailing_days (certified in the trailing
    days, e included) whose post window is fully observed (c + W <= e).
        numerator   = pooled post error rate (post failures / post tasks)
        denominator = pooled pre error rate  (pre failures / pre tasks)
        value       = 1 - numerator / denominator (null when the pre rate is 0)
    Positive means fewer errors after certification.

    ticket_decline: the same with tenants (first issued_at of the tenant) and
    Tier-1 tickets by created date, no minimum count:
        numerator = pooled post-window Tier-1 tickets, denominator = pooled
        pre-window Tier-1 tickets, value = 1 - numerator / denominator.

    Intervals (seed kpi_interval_methods): the linearised interval of the
    pooled ratio with the pooled units as units (users for
    performance_improvement, tenants for ticket_decline; unit_count = how
    many): post failures / post tasks / (pre failures / pre tasks), and post
    / pre tickets; the KPI's bounds are 1 - the ratio's bounds.
#}

{%- set segments = {'industry': 'industry', 'plan_tier': 'plan_tier', 'onboarding_cohort': 'onboarding_cohort'} %}
{%- set window_days = kpi_parameter('performance_window_days') %}

with

tenants as (
    select * from {{ ref('int_tenants_lifecycle') }}
),

certifications as (
    select * from {{ ref('stg_learning__certifications') }}
),

user_days as (
    select * from {{ ref('int_user_days_aggregated') }}
),

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

weeks as (
    select * from {{ ref('int_weeks_spined') }}
),

complete_weeks as (
    select
        week_start,
        week_last_date
    from weeks
    where is_complete
),

user_first_certifications as (
    select
        user_id,
        tenant_id,
        cast(min(issued_at) as date) as certified_date
    from certifications
    group by 1, 2
),

user_window_tasks as (
    select
        user_first_certifications.user_id,
        sum(
            case
                when user_days.activity_date < user_first_certifications.certified_date
                    then user_days.tasks_completed + user_days.tasks_failed
                else 0
            end
        ) as pre_tasks,
        sum(
            case
                when user_days.activity_date < user_first_certifications.certified_date
                    then user_days.tasks_failed
                else 0
            end
        ) as pre_failures,
        sum(
            case
                when user_days.activity_date > user_first_certifications.certified_date
                    then user_days.tasks_completed + user_days.tasks_failed
                else 0
            end
        ) as post_tasks,
        sum(
            case
                when user_days.activity_date > user_first_certifications.certified_date
                    then user_days.tasks_failed
                else 0
            end
        ) as post_failures
    from user_first_certifications
    inner join user_days
        on
            user_first_certifications.user_id = user_days.user_id
            and {{ dbt.datediff('user_first_certifications.certified_date', 'user_days.activity_date', 'day') }}
            between -{{ window_days }} and {{ window_days }}
    group by 1
),

eligible_users as (
    select
        user_first_certifications.user_id,
        user_first_certifications.certified_date,
        tenants.industry,
        tenants.plan_tier,
        tenants.onboarding_cohort,
        user_window_tasks.pre_tasks,
        user_window_tasks.pre_failures,
        user_window_tasks.post_tasks,
        user_window_tasks.post_failures
    from user_first_certifications
    inner join user_window_tasks
        on user_first_certifications.user_id = user_window_tasks.user_id
    inner join tenants
        on user_first_certifications.tenant_id = tenants.tenant_id
    where
        user_window_tasks.pre_tasks >= {{ kpi_parameter('min_tasks_per_window') }}
        and user_window_tasks.post_tasks >= {{ kpi_parameter('min_tasks_per_window') }}
),

user_cohorts as (
    select
        complete_weeks.week_start,
        eligible_users.*
    from complete_weeks
    inner join eligible_users
        on
            {{ dbt.datediff('eligible_users.certified_date', 'complete_weeks.week_last_date', 'day') }}
            between {{ window_days }} and {{ kpi_parameter('performance_trailing_days') }} - 1
),

performance_improvement as (
    select
        week_start,
        'performance_improvement' as kpi_name,
        {{ kpi_segment_columns(segments) }},
        cast(sum(post_failures) as double) / nullif(sum(post_tasks), 0) as numerator,
        cast(sum(pre_failures) as double) / nullif(sum(pre_tasks), 0) as denominator,
        {{ linearized_ratio_sums(['post_failures', 'post_tasks', 'pre_failures', 'pre_tasks'], exact_type='bigint') }}
    from user_cohorts
    {{ kpi_grouping_sets(segments) }}  -- noqa: PRS
),

certified_tenants as (
    select
        tenant_id,
        industry,
        plan_tier,
        onboarding_cohort,
        cast(certified_at as date) as certified_date
    from tenants
    where certified_at is not null
),

tenant_window_tickets as (
    select
        certified_tenants.tenant_id,
        sum(
            case
                when
                    tickets.ticket_tier = 1
                    and cast(tickets.created_at as date) < certified_tenants.certified_date
                    then 1
                else 0
            end
        ) as pre_tier1_tickets,
        sum(
            case
                when
                    tickets.ticket_tier = 1
                    and cast(tickets.created_at as date) > certified_tenants.certified_date
                    then 1
                else 0
            end
        ) as post_tier1_tickets
    from certified_tenants
    inner join tickets
        on
            certified_tenants.tenant_id = tickets.tenant_id
            and {{ dbt.datediff('certified_tenants.certified_date', 'tickets.created_at', 'day') }}
            between -{{ window_days }} and {{ window_days }}
    group by 1
),

tenant_cohorts as (
    select
        complete_weeks.week_start,
        certified_tenants.tenant_id,
        certified_tenants.industry,
        certified_tenants.plan_tier,
        certified_tenants.onboarding_cohort,
        coalesce(tenant_window_tickets.pre_tier1_tickets, 0) as pre_tier1_tickets,
        coalesce(tenant_window_tickets.post_tier1_tickets, 0) as post_tier1_tickets
    from complete_weeks
    inner join certified_tenants
        on
            {{ dbt.datediff('certified_tenants.certified_date', 'complete_weeks.week_last_date', 'day') }}
            between {{ window_days }} and {{ kpi_parameter('performance_trailing_days') }} - 1
    left join tenant_window_tickets
        on certified_tenants.tenant_id = tenant_window_tickets.tenant_id
),

ticket_decline as (
    select
        week_start,
        'ticket_decline' as kpi_name,
        {{ kpi_segment_columns(segments) }},
        cast(sum(post_tier1_tickets) as double) as numerator,
        cast(sum(pre_tier1_tickets) as double) as denominator,
        {{ linearized_ratio_sums(['post_tier1_tickets', 'pre_tier1_tickets'], exact_type='bigint') }}
    from tenant_cohorts
    {{ kpi_grouping_sets(segments) }}  -- noqa: PRS
),

performance_with_interval as (
    select
        week_start,
        kpi_name,
        segment_type,
        segment_value,
        numerator,
        denominator,
        linearized_units as unit_count,
        1 - {{ linearized_ratio_interval_bound([1, -1, -1, 1], 'upper') }} as interval_lower,
        1 - {{ linearized_ratio_interval_bound([1, -1, -1, 1], 'lower', lowest='0.0') }} as interval_upper
    from performance_improvement
),

ticket_decline_with_interval as (
    select
        week_start,
        kpi_name,
        segment_type,
        segment_value,
        numerator,
        denominator,
        linearized_units as unit_count,
        1 - {{ linearized_ratio_interval_bound([1, -1], 'upper') }} as interval_lower,
        1 - {{ linearized_ratio_interval_bound([1, -1], 'lower', lowest='0.0') }} as interval_upper
    from ticket_decline
),

unioned as (
    select * from performance_with_interval
    union all
    select * from ticket_decline_with_interval
),

final as (
    select
        cast(unioned.week_start as date) as week_start,
        cast(unioned.kpi_name as varchar) as kpi_name,
        cast(unioned.segment_type as varchar) as segment_type,
        cast(unioned.segment_value as varchar) as segment_value,
        1 - unioned.numerator / nullif(unioned.denominator, 0) as value,
        cast(unioned.numerator as double) as numerator,
        cast(unioned.denominator as double) as denominator,
        cast(unioned.unit_count as integer) as unit_count,
        cast(unioned.interval_lower as double) as interval_lower,
        cast(unioned.interval_upper as double) as interval_upper,
        cast('linearized_ratio_t' as varchar) as interval_method
    from unioned
)

select * from final

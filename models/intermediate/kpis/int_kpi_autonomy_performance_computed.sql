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

    Interval (seed kpi_interval_methods): 1 - the linearised interval of the
    pooled ratio, with the pooled users or tenants as units (unit_count).
#}

{%- set segments = kpi_segments('tenant') %}
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

complete_weeks as (
    select * from {{ ref('int_weeks_completed') }}
),

user_first_certifications as (
    select
        user_id,
        tenant_id,
        cast(min(issued_at) as date) as certified_date
    from certifications
    group by 1, 2
),

user_window_days as (
    select
        user_first_certifications.user_id,
        user_days.activity_date < user_first_certifications.certified_date as is_pre_window,
        user_days.activity_date > user_first_certifications.certified_date as is_post_window,
        user_days.tasks_completed + user_days.tasks_failed as tasks,
        user_days.tasks_failed as failures
    from user_first_certifications
    inner join user_days
        on
            user_first_certifications.user_id = user_days.user_id
            and {{ dbt.datediff('user_first_certifications.certified_date', 'user_days.activity_date', 'day') }}
            between -{{ window_days }} and {{ window_days }}
),

user_window_tasks as (
    select
        user_id,
        sum(case when is_pre_window then tasks else 0 end) as pre_tasks,
        sum(case when is_pre_window then failures else 0 end) as pre_failures,
        sum(case when is_post_window then tasks else 0 end) as post_tasks,
        sum(case when is_post_window then failures else 0 end) as post_failures
    from user_window_days
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
        cast(sum(post_failures) as {{ dbt.type_float() }}) / nullif(sum(post_tasks), 0) as numerator,
        cast(sum(pre_failures) as {{ dbt.type_float() }}) / nullif(sum(pre_tasks), 0) as denominator,
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
        cast(sum(post_tier1_tickets) as {{ dbt.type_float() }}) as numerator,
        cast(sum(pre_tier1_tickets) as {{ dbt.type_float() }}) as denominator,
        {{ linearized_ratio_sums(['post_tier1_tickets', '1', 'pre_tier1_tickets', '1'], exact_type='bigint') }}
    from tenant_cohorts
    {{ kpi_grouping_sets(segments) }}  -- noqa: PRS
),

-- one interval formula: post / pre tickets = (post / tenants) / (pre / tenants),
-- whose tenant-count terms cancel in the linearised variance
unioned as (
    select * from performance_improvement
    union all
    select * from ticket_decline
),

final as (
    select
        {{ kpi_family_columns(
            value='1 - numerator / nullif(denominator, 0)',
            unit_count='linearized_units',
            interval_lower='1 - ' ~ linearized_ratio_interval_bound([1, -1, -1, 1], 'upper'),
            interval_upper='1 - ' ~ linearized_ratio_interval_bound([1, -1, -1, 1], 'lower', lowest='0.0'),
            interval_method="'linearized_ratio_t'"
        ) }}
    from unioned
    -- a certification issued before the tenant's onboarding counts in the
    -- weeks after it, which can precede the cohort's first month
    where {{ kpi_segment_has_started() }}
)

select * from final

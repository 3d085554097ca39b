{#
    Does a 20% increase in certification completions go with a 10% drop in
    Tier-1 support volume within 90 days? (the source article's example
    hypothesis, "Linking autonomy to outcomes").

    Unit: tenant x 13-week block (about 90 days; blocks counted from the
    first week of the data). For each block b that the tenant was live in
    throughout b-1, b and b+1, compare its certifications issued in b with
    b-1, and its Tier-1 tickets in the next 13 weeks (b+1) with b. Tenant
    blocks fall into groups:
      first_certifications   0 certifications in b-1, at least 1 in b
      increase_20pct_plus    certifications grew by 20% or more
      less_than_20pct        certifications grew by less than 20% or fell
      no_certifications      none in b-1 and b
    tier1_change = pooled Tier-1 tickets in b+1 / pooled in b - 1 (pooled
    over the group's tenant blocks). The hypothesis holds when the
    increase_20pct_plus group's tier1_change is -10% or lower AND lower than
    the less_than_20pct group's (the comparison group absorbs the platform
    trend). It is an association, not an effect: pilots with a control arm
    (fct_pilot_results) are the causal test.

    How to run (reads the marts only):
        export TENANT_KPIS_DB=... DBT_TARGET_PATH=target_$USER
        .venv/bin/dbt compile --profiles-dir . --select certification_vs_tier1_tickets
        .venv/bin/python -c "import duckdb,os; con = duckdb.connect(os.environ['TENANT_KPIS_DB'], read_only=True); \
            print(con.sql(open(os.environ['DBT_TARGET_PATH'] + '/compiled/tenant_kpis/analyses/certification_vs_tier1_tickets.sql').read()))"

    Result on the demo data (tenant-kpis generate --tenants 150 --seed 11,
    as of 2026-11-15), 273 tenant blocks:
        group                 blocks  certs b-1 -> b  tier-1 b -> b+1  change
        first_certifications      24       0 ->   73      222 ->  185  -16.7%
        increase_20pct_plus       16      53 ->  168      215 ->  209   -2.8%
        less_than_20pct          125     816 ->  358     1316 -> 1293   -1.7%
        no_certifications        108       0 ->    0     1256 -> 1252   -0.3%
    Hypothesis NOT supported as stated: tenants whose certifications grew
    20%+ saw Tier-1 volume fall only 2.8% in the next 90 days (vs 1.7% for
    the comparison group). The drop shows up at a tenant's FIRST
    certifications (-16.7%), consistent with the generator's planted step
    effect at certified_at (25%, see ticket_decline): the lever is getting
    each tenant to its first certification, not more certifications.
#}

with

tenant_weeks as (
    select * from {{ ref('fct_tenant_activity_weekly') }}
),

first_week as (
    select min(week_start) as first_week_start
    from tenant_weeks
),

tenant_week_blocks as (
    select
        tenant_weeks.tenant_id,
        tenant_weeks.is_live,
        tenant_weeks.certifications_issued,
        tenant_weeks.tier1_tickets,
        cast(floor({{ dbt.datediff('first_week.first_week_start', 'tenant_weeks.week_start', 'day') }} / 91) as integer)
            as block_number
    from tenant_weeks
    cross join first_week
),

tenant_blocks as (
    select
        tenant_id,
        block_number,
        count(*) as weeks,
        sum(case when is_live then 1 else 0 end) as live_weeks,
        sum(certifications_issued) as certifications,
        sum(tier1_tickets) as tier1_tickets
    from tenant_week_blocks
    group by 1, 2
),

block_pairs as (
    select
        current_block.tenant_id,
        current_block.block_number,
        previous_block.certifications as certifications_before,
        current_block.certifications,
        current_block.tier1_tickets,
        next_block.tier1_tickets as tier1_tickets_next_90d
    from tenant_blocks as current_block
    inner join tenant_blocks as previous_block
        on
            current_block.tenant_id = previous_block.tenant_id
            and current_block.block_number = previous_block.block_number + 1
    inner join tenant_blocks as next_block
        on
            current_block.tenant_id = next_block.tenant_id
            and current_block.block_number = next_block.block_number - 1
    where
        previous_block.weeks = 13 and previous_block.live_weeks = 13
        and current_block.weeks = 13 and current_block.live_weeks = 13
        and next_block.weeks = 13 and next_block.live_weeks = 13
),

grouped as (
    select
        case
            when certifications_before = 0 and certifications = 0 then 'no_certifications'
            when certifications_before = 0 then 'first_certifications'
            when certifications >= 1.2 * certifications_before then 'increase_20pct_plus'
            else 'less_than_20pct'
        end as certification_group,
        *
    from block_pairs
),

summary as (
    select
        certification_group,
        count(*) as tenant_blocks,
        sum(certifications_before) as certifications_before,
        sum(certifications) as certifications,
        sum(tier1_tickets) as tier1_tickets,
        sum(tier1_tickets_next_90d) as tier1_tickets_next_90d,
        round(sum(tier1_tickets_next_90d) / nullif(sum(tier1_tickets), 0) - 1, 3) as tier1_change
    from grouped
    group by 1
),

verdict as (
    select
        max(case when certification_group = 'increase_20pct_plus' then tier1_change end) as increase_change,
        max(case when certification_group = 'less_than_20pct' then tier1_change end) as comparison_change
    from summary
),

final as (
    select
        summary.*,
        case
            when summary.certification_group != 'increase_20pct_plus' then null
            when verdict.increase_change <= -0.10 and verdict.increase_change < verdict.comparison_change
                then 'supported'
            else 'not supported'
        end as hypothesis
    from summary
    cross join verdict
)

select * from final
order by certification_group

{#
    One row per KPI of the catalog: what the scorecard says about a KPI
    whatever the week and segment. Its label, unit, direction, owner,
    business outcome and decision point (seed kpi_catalog), its target band
    (seed kpi_targets, null for a KPI benchmarked by industry) and its
    playbook, the actions of seed kpi_playbooks in rank order joined by "; "
    (null without actions).
#}

with

kpi_catalog as (
    select * from {{ ref('kpi_catalog') }}
),

kpi_targets as (
    select * from {{ ref('kpi_targets') }}
),

kpi_playbooks as (
    select * from {{ ref('kpi_playbooks') }}
),

playbooks as (
    select
        kpi_name,
        {{ dbt.listagg('action', "'; '", 'order by action_rank') }} as playbook_actions
    from kpi_playbooks
    group by 1
),

final as (
    select
        kpi_catalog.kpi_name,
        kpi_catalog.label as kpi_label,
        kpi_catalog.unit,
        kpi_catalog.direction,
        kpi_catalog.benchmark_source,
        kpi_targets.target_low,
        kpi_targets.target_high,
        kpi_catalog.owner,
        kpi_catalog.business_outcome,
        kpi_catalog.decision_point,
        playbooks.playbook_actions
    from kpi_catalog
    left join kpi_targets
        on kpi_catalog.kpi_name = kpi_targets.kpi_name
    left join playbooks
        on kpi_catalog.kpi_name = playbooks.kpi_name
)

select * from final

{#
    The KPI catalog as a public dimension: what each kpi_name means, its
    unit and direction, who owns it and which decision it drives. BI tools
    and the weekly brief read definitions from here rather than from the
    seed, so the publication carries them.
#}

with

kpi_catalog as (
    select * from {{ ref('kpi_catalog') }}
),

interval_methods as (
    select * from {{ ref('kpi_interval_methods') }}
),

final as (
    select
        kpi_catalog.kpi_name,
        kpi_catalog.label as kpi_label,
        kpi_catalog.kpi_family,
        kpi_catalog.unit,
        kpi_catalog.direction,
        kpi_catalog.aggregation,
        kpi_catalog.segment_unit,
        kpi_catalog.segment_types,
        kpi_catalog.is_cohort_kpi,
        kpi_catalog.benchmark_source,
        kpi_catalog.owner,
        kpi_catalog.business_outcome,
        kpi_catalog.decision_point,
        kpi_catalog.definition,
        interval_methods.interval_method,
        interval_methods.interval_unit,
        interval_methods.rationale as interval_rationale
    from kpi_catalog
    left join interval_methods
        on kpi_catalog.kpi_name = interval_methods.kpi_name
)

select * from final

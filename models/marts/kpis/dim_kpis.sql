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

final as (
    select
        kpi_name,
        label as kpi_label,
        kpi_family,
        unit,
        direction,
        aggregation,
        segment_unit,
        segment_types,
        is_cohort_kpi,
        benchmark_source,
        owner,
        business_outcome,
        decision_point,
        definition
    from kpi_catalog
)

select * from final

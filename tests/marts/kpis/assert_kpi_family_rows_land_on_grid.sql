{{ config(group='kpi_analytics') }}

{#
    Every row an int_kpi_<family>_computed model computes must land on the
    fct_kpi_weekly grid (complete weeks x kpi_catalog x segments): a row that
    does not (an unknown kpi_name, a segment type the catalog does not list
    for the KPI, an onboarding cohort before its first month) would be
    silently dropped by the left join of the grid. Returns the lost rows.
#}

{%- set kpi_families = kpi_family_models() %}

with

computed as (
    {% for family in kpi_families %}
        select
            '{{ family }}' as kpi_family_model,
            week_start,
            kpi_name,
            segment_type,
            segment_value,
            value
        from {{ ref(family) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

kpi_weekly as (
    select * from {{ ref('fct_kpi_weekly') }}
),

final as (
    select computed.*
    from computed
    left join kpi_weekly
        on
            computed.week_start = kpi_weekly.week_start
            and computed.kpi_name = kpi_weekly.kpi_name
            and computed.segment_type = kpi_weekly.segment_type
            and computed.segment_value = kpi_weekly.segment_value
    where kpi_weekly.kpi_name is null
)

select * from final

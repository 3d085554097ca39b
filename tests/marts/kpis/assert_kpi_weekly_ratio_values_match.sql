{{ config(group='kpi_analytics') }}

{#
    fct_kpi_weekly: for ratio and mean KPIs value = numerator / denominator
    (a mean carries the sum of the units' values and the number of units),
    for one_minus_ratio KPIs value = 1 - numerator / denominator, for the
    difference KPI (nps) value = 100 x numerator / denominator, and a median
    has a null numerator (seed kpi_catalog, column aggregation; the one
    definition docs/marts.md describes); a rate KPI never has numerator >
    denominator; a zero denominator always gives a null value. Returns the
    offending rows.
#}

with

kpi_weekly as (
    select * from {{ ref('fct_kpi_weekly') }}
),

kpi_catalog as (
    select * from {{ ref('kpi_catalog') }}
),

checked as (
    select
        kpi_weekly.*,
        kpi_catalog.aggregation,
        kpi_catalog.unit,
        case
            when kpi_catalog.aggregation in ('ratio', 'mean')
                then kpi_weekly.numerator / nullif(kpi_weekly.denominator, 0)
            when kpi_catalog.aggregation = 'difference'
                then 100 * kpi_weekly.numerator / nullif(kpi_weekly.denominator, 0)
            when kpi_catalog.aggregation = 'one_minus_ratio'
                then 1 - kpi_weekly.numerator / nullif(kpi_weekly.denominator, 0)
        end as expected_value
    from kpi_weekly
    inner join kpi_catalog
        on kpi_weekly.kpi_name = kpi_catalog.kpi_name
),

final as (
    select *
    from checked
    where
        (
            aggregation in ('ratio', 'mean', 'one_minus_ratio', 'difference')
            and not (
                (value is null and expected_value is null)
                or abs(value - expected_value) <= 1e-9
            )
        )
        or (aggregation = 'median' and numerator is not null)
        or (denominator = 0 and value is not null)
        or (
            aggregation = 'ratio' and unit = 'rate'
            and numerator > denominator
        )
)

select * from final

{#
    Every KPI of the catalog for every complete week and every segment it is
    reported for: the union of the int_kpi_<family>_computed models placed
    onto the full grid

        complete weeks x kpi_catalog keys x segments of the KPI's
        segment_types (seed kpi_catalog)

    so a KPI without data in a week is a row with null value, numerator and
    denominator. Segment values: industries and plan tiers of the tenants;
    personas of the users; onboarding cohorts (YYYY-MM of onboarded_at for
    tenant-level KPIs, of created_at for user-level KPIs) from the cohort's
    first month on. Rows a family computes outside this grid are dropped
    (a singular test asserts there are none).

    Every value carries its unit count and its 95% interval
    (interval_lower, interval_upper), computed once in the families by the
    method the seed kpi_interval_methods names for the KPI (interval_method).

    Adding a KPI family is one line in the macro kpi_family_models.
#}

{%- set kpi_families = kpi_family_models() %}

with

{% for family in kpi_families %}
    {{ family }} as (
        select * from {{ ref(family) }}
    ),

{% endfor %}
complete_weeks as (
    select * from {{ ref('int_weeks_completed') }}
),

kpi_catalog as (
    select * from {{ ref('kpi_catalog') }}
),

tenants as (
    select * from {{ ref('int_tenants_lifecycle') }}
),

users as (
    select * from {{ ref('int_users_lifecycle') }}
),

kpi_segment_types as (
    select
        kpi_catalog.kpi_name,
        kpi_catalog.segment_unit,
        segment_types.segment_type
    from kpi_catalog
    {{ split_to_rows('kpi_catalog.segment_types', '|', 'segment_types', 'segment_type') }}
),

segment_values as (
    select distinct
        'industry' as segment_type,
        industry as segment_value,
        'any' as segment_unit,
        cast(null as date) as segment_first_date
    from tenants
    union all
    select distinct
        'plan_tier' as segment_type,
        plan_tier as segment_value,
        'any' as segment_unit,
        cast(null as date) as segment_first_date
    from tenants
    union all
    select distinct
        'persona' as segment_type,
        persona as segment_value,
        'any' as segment_unit,
        cast(null as date) as segment_first_date
    from users
    union all
    select distinct
        'onboarding_cohort' as segment_type,
        onboarding_cohort as segment_value,
        'tenant' as segment_unit,
        cast({{ dbt.date_trunc('month', 'onboarded_at') }} as date) as segment_first_date
    from tenants
    union all
    select distinct
        'onboarding_cohort' as segment_type,
        onboarding_cohort as segment_value,
        'user' as segment_unit,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as segment_first_date
    from users
    union all
    select
        'all' as segment_type,
        'all' as segment_value,
        'any' as segment_unit,
        cast(null as date) as segment_first_date
),

kpi_segments as (
    select
        kpi_segment_types.kpi_name,
        segment_values.segment_type,
        segment_values.segment_value,
        segment_values.segment_first_date
    from kpi_segment_types
    inner join segment_values
        on
            kpi_segment_types.segment_type = segment_values.segment_type
            and segment_values.segment_unit in ('any', kpi_segment_types.segment_unit)
    where segment_values.segment_value is not null
),

grid as (
    select
        complete_weeks.week_start,
        kpi_segments.kpi_name,
        kpi_segments.segment_type,
        kpi_segments.segment_value
    from complete_weeks
    inner join kpi_segments
        on coalesce(kpi_segments.segment_first_date <= complete_weeks.week_last_date, true)
),

computed as (
    {% for family in kpi_families %}
        select
            {{ kpi_family_column_names() }}
        from {{ family }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

placed_on_grid as (
    select
        grid.*,
        computed.value,
        computed.numerator,
        computed.denominator,
        computed.unit_count,
        computed.interval_lower,
        computed.interval_upper,
        computed.interval_method
    from grid
    left join computed
        on
            grid.week_start = computed.week_start
            and grid.kpi_name = computed.kpi_name
            and grid.segment_type = computed.segment_type
            and grid.segment_value = computed.segment_value
),

final as (
    select
        {{ kpi_family_columns() }}
    from placed_on_grid
)

select * from final

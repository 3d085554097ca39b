{#
    Roll one grouped query up to the KPI segments of `fct_kpi_weekly`.

    The caller selects from a CTE that has one row per unit (tenant or user)
    and week, with the segment columns present. This macro returns the
    `group by grouping sets (...)` clause and the two segment columns, so a
    KPI's aggregate is written once and evaluated for every segment.

    segment_columns: mapping of segment_type -> column in the input CTE;
    kpi_segments(segment_unit) gives the one used by every KPI of that unit.
    grain_columns (kpi_grouping_sets): the columns every grouping set keeps,
    the grain of the result under its segments (default week_start; e.g.
    'week_start, kpi_name' or 'persona, kpi_name').
#}
{% macro kpi_segment_columns(segment_columns) %}
    case
        {%- for segment_type, column in segment_columns.items() %}
        when grouping({{ column }}) = 0 then '{{ segment_type }}'
        {%- endfor %}
        else 'all'
    end as segment_type,
    case
        {%- for segment_type, column in segment_columns.items() %}
        when grouping({{ column }}) = 0 then cast({{ column }} as {{ dbt.type_string() }})
        {%- endfor %}
        else 'all'
    end as segment_value
{% endmacro %}

{% macro kpi_grouping_sets(segment_columns, grain_columns='week_start') %}
    group by grouping sets (
        ({{ grain_columns }}),
        {%- for segment_type, column in segment_columns.items() %}
        ({{ grain_columns }}, {{ column }}){{ "," if not loop.last }}
        {%- endfor %}
    )
{% endmacro %}

{#
    The segments of fct_kpi_weekly's KPIs by segment_unit (seed kpi_catalog):
    segment_type -> column of the unit rows. The one home of which segments
    a tenant or user KPI is computed for (besides `all`); the catalog's
    segment_types list which of them each KPI reports.
#}
{% macro kpi_segments(segment_unit) %}
    {%- if segment_unit == 'tenant' %}
        {{ return({'industry': 'industry', 'plan_tier': 'plan_tier', 'onboarding_cohort': 'onboarding_cohort'}) }}
    {%- elif segment_unit == 'user' %}
        {{ return({
            'industry': 'industry',
            'plan_tier': 'plan_tier',
            'persona': 'persona',
            'onboarding_cohort': 'onboarding_cohort',
        }) }}
    {%- else %}
        {{ exceptions.raise_compiler_error("kpi_segments: segment_unit must be 'tenant' or 'user', not '" ~ segment_unit ~ "'") }}
    {%- endif %}
{% endmacro %}

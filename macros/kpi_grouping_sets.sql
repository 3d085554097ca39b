{#
    Roll one grouped query up to the KPI segments of `fct_kpi_weekly`.

    The caller selects from a CTE that has one row per unit (tenant or user)
    and week, with the segment columns present. This macro returns the
    `group by grouping sets (...)` clause and the two segment columns, so a
    KPI's aggregate is written once and evaluated for every segment.

    segment_columns: mapping of segment_type -> column in the input CTE.
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

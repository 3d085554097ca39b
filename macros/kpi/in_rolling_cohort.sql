{#
    Join condition: a unit whose observation window closed on `date_column`
    belongs to the rolling cohort of a week of int_weeks_completed (given by its
    relation or CTE name) when it closed between the week's
    rolling_cohort_start_date and its last day.
#}
{% macro in_rolling_cohort(date_column, weeks='complete_weeks') -%}
    {{ date_column }} between {{ weeks }}.rolling_cohort_start_date and {{ weeks }}.week_last_date
{%- endmacro %}

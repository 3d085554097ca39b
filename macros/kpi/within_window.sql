{#
    The project's one rule for "reached within N days of the start":
    days(start, event) <= N in calendar days of UTC dates. An event dated
    before the start (a certification issued before onboarding, a user's
    first event up to a day before created_at) is within every window: it
    happened before the deadline. Where a definition only counts events
    from the start on (tenant activation counts events since onboarded_at),
    the day count is never negative, so the rule needs no lower bound.

    With `days_observed`, the flag is censored: null until the unit has been
    observed N days (as_of_date >= date(start) + N), even when the event
    already happened; then true or false.
#}
{% macro within_window(days_to_event, window_days, days_observed=none) -%}
    {%- if days_observed is none -%}
        coalesce(({{ days_to_event }}) <= ({{ window_days }}), false)
    {%- else -%}
        case
            when ({{ days_observed }}) >= ({{ window_days }})
                then coalesce(({{ days_to_event }}) <= ({{ window_days }}), false)
        end
    {%- endif -%}
{%- endmacro %}

{#
    Filter for the rows of an int_kpi_<family>_computed model: an
    onboarding-cohort segment (segment_value 'YYYY-MM') has rows from the
    week holding its first day on, like the grid of fct_kpi_weekly. Data of
    a cohort dated before that week (a cost line paid at signing, a
    certification or an event before onboarding or signup) stays in the
    all, industry, plan_tier and persona rows of its week.
#}
{% macro kpi_segment_has_started(week_start='week_start') -%}
    (
        segment_type <> 'onboarding_cohort'
        or cast(segment_value || '-01' as date) <= cast({{ dbt.dateadd('day', 6, week_start) }} as date)
    )
{%- endmacro %}

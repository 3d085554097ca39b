{#
    Persona KPIs for the persona owners: one row per persona x onboarding
    cohort (YYYY-MM of created_at, plus 'all') x KPI, as of the build's
    as-of date, pooled over the persona's users of the cohort.
      admin     setup_complete_rate, days_to_setup_complete_median,
                import_error_rate, days_to_first_governance_action_median
      operator  task_completion_rate, task_error_rate,
                collaboration_events_per_active_week
      end_user  feature_breadth, days_to_first_critical_feature_median, nps
    Ratios pool numerators and denominators over users; medians are over the
    users who reached the milestone (denominator = their count); NPS uses
    each user's latest answer in the nps_window_days ending with the as-of
    date (int_users_lifecycle.nps_score_in_window), in points.
#}

{%- set cohort_segment = {'onboarding_cohort': 'onboarding_cohort'} %}

{#- One entry per persona KPI: its persona, how it aggregates, and the
    per-user expressions (numerator and denominator for pooled ratios, value
    for medians: macro kpi_unit_columns). The unit rows below are generated
    from this list. -#}
{%- set persona_kpis = [
    {'persona': 'admin', 'kpi_name': 'setup_complete_rate', 'aggregation': 'ratio',
     'numerator': 'case when setup_completed_at is not null then 1 else 0 end', 'denominator': '1'},
    {'persona': 'admin', 'kpi_name': 'days_to_setup_complete_median', 'aggregation': 'median',
     'value': 'days_to_setup_complete'},
    {'persona': 'admin', 'kpi_name': 'import_error_rate', 'aggregation': 'ratio',
     'numerator': 'import_errors', 'denominator': 'import_rows'},
    {'persona': 'admin', 'kpi_name': 'days_to_first_governance_action_median', 'aggregation': 'median',
     'value': 'days_to_first_governance_action'},
    {'persona': 'operator', 'kpi_name': 'task_completion_rate', 'aggregation': 'ratio',
     'numerator': 'tasks_completed', 'denominator': 'tasks_attempted'},
    {'persona': 'operator', 'kpi_name': 'task_error_rate', 'aggregation': 'ratio',
     'numerator': 'tasks_failed', 'denominator': 'tasks_attempted'},
    {'persona': 'operator', 'kpi_name': 'collaboration_events_per_active_week', 'aggregation': 'ratio',
     'numerator': 'collaboration_events', 'denominator': 'active_weeks'},
    {'persona': 'end_user', 'kpi_name': 'feature_breadth', 'aggregation': 'ratio',
     'numerator': 'catalog_features_used', 'denominator': 'catalog_features'},
    {'persona': 'end_user', 'kpi_name': 'days_to_first_critical_feature_median', 'aggregation': 'median',
     'value': 'days_to_first_critical_feature'},
    {'persona': 'end_user', 'kpi_name': 'nps', 'aggregation': 'points',
     'numerator': nps_answer_sign('nps_score_in_window'),
     'denominator': '1', 'condition': 'nps_score_in_window is not null'},
] %}

with

users_lifecycle as (
    select * from {{ ref('int_users_lifecycle') }}
),

users as (
    select *
    from users_lifecycle
    where created_date <= as_of_date
),

unit_rows as (
    {%- for kpi in persona_kpis %}
        select
            user_id,
            persona,
            onboarding_cohort,
            {{ kpi_unit_columns(kpi) }}
        from users
        where persona = '{{ kpi.persona }}'{% if kpi.condition %} and {{ kpi.condition }}{% endif %}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

aggregated as (
    select
        persona,
        kpi_name,
        {{ kpi_segment_columns(cohort_segment) }},
        max(aggregation) as aggregation,
        count(distinct user_id) as users,
        {{ kpi_value_columns_from_units() }}
    from unit_rows
    {{ kpi_grouping_sets(cohort_segment, grain_columns='persona, kpi_name') }}  -- noqa: PRS
),

as_of as (
    select max(as_of_date) as as_of_date
    from users_lifecycle
),

final as (
    select
        aggregated.persona,
        aggregated.segment_value as onboarding_cohort,
        aggregated.kpi_name,
        aggregated.aggregation,
        aggregated.users,
        cast(aggregated.value as {{ dbt.type_float() }}) as value,
        aggregated.numerator,
        aggregated.denominator,
        as_of.as_of_date
    from aggregated
    cross join as_of
)

select * from final

{#
    The onboarding KPI family over a cohort of users' windows, one row per
    complete week x KPI x segment: the one home of its values and intervals,
    shared by int_kpi_onboarding_computed (the rolling cohort,
    rolling_cohort_start_date) and int_kpi_early_warning_computed (the
    newest matured weekly cohorts, early_warning_cohort_start_date).

    user_kpi_windows: int_user_kpi_windows_unioned (relation or CTE name);
    weeks: int_weeks_completed (the weeks reported on); interval_methods: seed kpi_interval_methods;
    kpi_catalog: seed kpi_catalog, whose kpi_family 'onboarding' names the KPIs;
    cohort_start_column: the column of `weeks` where a week's cohort starts
    (a unit belongs to the cohort when its window closed between that day
    and the week's last day: macro in_rolling_cohort); z and confidence:
    the intervals' normal quantile and confidence (default the seed's
    interval_z and interval_confidence, 95%; the early warnings pass
    early_warning_interval_z and early_warning_interval_confidence).
    In an incremental run of its model (kpi_family_units_config), only the
    weeks from the first changed unit on (kpi_family_units_first_recomputed_week).

    Intervals, by the KPI's method in kpi_interval_methods: Wilson for the
    rates (unit_count = users), the exact order-statistic interval for the
    medians (unit_count = users with a value), the linearised ratio (users
    as units, Student t) for login consistency, whose numerator and
    denominator count weeks.
#}
{% macro onboarding_kpis_over_cohort(
    user_kpi_windows, weeks, interval_methods, kpi_catalog, cohort_start_column, z=none, confidence=none
) -%}
    {%- set segments = kpi_segments('user') %}
    with

    {% if is_incremental() -%}
    -- the model's {{ this }} and its state are read in place, as in int_user_weeks_aggregated
    first_recomputed_week as (
        {{ kpi_family_units_first_recomputed_week(user_kpi_windows) }}
    ),
    {%- endif %}

    cohort_weeks as (
        select
            week_start,
            week_last_date,
            {{ cohort_start_column }} as rolling_cohort_start_date
        from {{ weeks }}
        {{ in_recomputed_weeks('week_start') }}
    ),

    onboarding_windows as (
        select * from {{ user_kpi_windows }}
        where kpi_name in (
            select onboarding_catalog.kpi_name
            from {{ kpi_catalog }} as onboarding_catalog
            where onboarding_catalog.kpi_family = 'onboarding'
        )
    ),

    cohort_members as {{ cte_not_materialized() }} (
        select
            cohort_weeks.week_start,
            onboarding_windows.*
        from cohort_weeks
        inner join onboarding_windows
            on {{ in_rolling_cohort('onboarding_windows.window_closed_date', weeks='cohort_weeks') }}
    ),

    aggregated as (
        select
            week_start,
            kpi_name,
            {{ kpi_segment_columns(segments) }},
            {{ kpi_value_columns_from_units() }},
            {{ linearized_ratio_sums(['unit_numerator', 'unit_denominator'], exact_type='bigint') }}
        from cohort_members
        {{ kpi_grouping_sets(segments, grain_columns='week_start, kpi_name') }}  -- noqa: PRS
    ),

    median_frequencies as (
        select
            week_start,
            kpi_name,
            {{ kpi_segment_columns(segments) }},
            unit_value,
            count(*) as units
        from cohort_members
        where aggregation = 'median' and unit_value is not null
        {{ kpi_grouping_sets(segments, grain_columns='week_start, kpi_name, unit_value') }}  -- noqa: PRS
    ),

    median_intervals as (
        {{ median_order_statistic_interval(
            'median_frequencies', ['week_start', 'kpi_name', 'segment_type', 'segment_value'], confidence
        ) }}
    ),

    with_intervals as (
        select
            aggregated.*,
            {{ interval_methods }}.interval_method,
            {{ kpi_interval_columns(
                interval_methods ~ '.interval_method', 'aggregated', median_relation='median_intervals',
                highest='1.0', z=z, confidence=confidence
            ) }}
        from aggregated
        left join {{ interval_methods }}
            on aggregated.kpi_name = {{ interval_methods }}.kpi_name
        left join median_intervals
            on
                aggregated.week_start = median_intervals.week_start
                and aggregated.kpi_name = median_intervals.kpi_name
                and aggregated.segment_type = median_intervals.segment_type
                and aggregated.segment_value = median_intervals.segment_value
    )

    select
        {{ kpi_family_columns() }}
    from with_intervals
{%- endmacro %}

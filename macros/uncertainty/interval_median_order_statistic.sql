{#
    Exact distribution-free interval of a median: the order statistics
    [x_(l), x_(n - l + 1)] of the n unit values, where l is the smallest
    count k with P(B <= k) > (1 - confidence) / 2 for B ~ Binomial(n, 1/2).
    Its coverage is 1 - 2 P(B <= l - 1) >= confidence whatever the
    distribution (for continuous values; ties only widen it). With fewer
    than 6 units at 95% no such l >= 1 exists: the bounds are null (no
    finite 95% interval), and the scorecard says small_sample.

    median_interval_ranks(sizes): for each distinct unit_count of the
    relation `sizes`, lower_rank l and upper_rank n - l + 1 (null when there
    is no interval). The binomial probabilities come from log-gamma; the sum
    starts 8 standard deviations (4 sqrt(n)) below n / 2, which leaves out
    less than 1e-15 of probability, so the ranks are exact for every
    unit_count up to 10 million.

    median_order_statistic_interval(frequencies, group_columns, confidence):
    from a
    relation with one row per group x distinct unit value (columns
    group_columns, unit_value, units = how many units have that value), the
    columns group_columns, unit_count, interval_lower and interval_upper.
    Counting units per value lets a grouping-sets query build the input,
    and cumulative counts (exact integers) pick the order statistics.
#}
{% macro median_interval_ranks(sizes, confidence=none) -%}
    {%- set confidence = confidence if confidence is not none else kpi_parameter('interval_confidence') -%}
    with

    distinct_sizes as (
        select distinct
            unit_count,
            greatest(0, cast(floor(unit_count / 2.0 - 4.0 * sqrt(cast(unit_count as {{ dbt.type_float() }}))) as integer))
                as first_count
        from {{ sizes }}
        where unit_count > 0
    ),

    counts as (
        select
            distinct_sizes.unit_count,
            distinct_sizes.first_count + offsets.series_value as units_below
        from distinct_sizes
        cross join ({{ integer_series(4) }}) as offsets
        where distinct_sizes.first_count + offsets.series_value <= floor(distinct_sizes.unit_count / 2.0)
    ),

    probabilities as (
        select
            unit_count,
            units_below,
            exp(
                {{ log_gamma('cast(unit_count as ' ~ dbt.type_float() ~ ') + 1') }}
                - {{ log_gamma('cast(units_below as ' ~ dbt.type_float() ~ ') + 1') }}
                - {{ log_gamma('cast(unit_count - units_below as ' ~ dbt.type_float() ~ ') + 1') }}
                - cast(unit_count as {{ dbt.type_float() }}) * ln(2.0)
            ) as probability
        from counts
    ),

    cumulative as (
        select
            unit_count,
            units_below,
            sum(probability) over (
                partition by unit_count
                order by units_below
                rows between unbounded preceding and current row
            ) as cumulative_probability
        from probabilities
    ),

    lower_ranks as (
        select
            unit_count,
            min(units_below) as lower_rank
        from cumulative
        where cumulative_probability > (1.0 - {{ confidence }}) / 2.0
        group by 1
    )

    select
        unit_count,
        case when lower_rank >= 1 then lower_rank end as lower_rank,
        case when lower_rank >= 1 then unit_count - lower_rank + 1 end as upper_rank
    from lower_ranks
{%- endmacro %}

{% macro median_order_statistic_interval(frequencies, group_columns, confidence=none) -%}
    {%- set keys = group_columns | join(', ') -%}
    with

    sizes as (
        select
            {{ keys }},
            cast(sum(units) as integer) as unit_count
        from {{ frequencies }}
        group by {{ keys }}
    ),

    ranks as (
        {{ median_interval_ranks('sizes', confidence) }}
    ),

    cumulated as (
        select
            {{ keys }},
            unit_value,
            sum(units) over (
                partition by {{ keys }}
                order by unit_value
                rows between unbounded preceding and current row
            ) as cumulative_units
        from {{ frequencies }}
    )

    select
        {%- for column in group_columns %}
            sizes.{{ column }},
        {%- endfor %}
        sizes.unit_count,
        min(case when cumulated.cumulative_units >= ranks.lower_rank then cumulated.unit_value end)
            as interval_lower,
        min(case when cumulated.cumulative_units >= ranks.upper_rank then cumulated.unit_value end)
            as interval_upper
    from sizes
    left join ranks
        on sizes.unit_count = ranks.unit_count
    inner join cumulated
        on
        {%- for column in group_columns %}
            {{ 'and ' if not loop.first }}sizes.{{ column }} = cumulated.{{ column }}
        {%- endfor %}
    group by
        {%- for column in group_columns %}
            sizes.{{ column }},
        {%- endfor %}
        sizes.unit_count
{%- endmacro %}

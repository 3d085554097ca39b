{#
    Seeded, deterministic Poisson bootstrap (Hanley and MacGibbon 2006;
    Chamandy et al. 2012): replicate b gives unit i the weight
    w_ib ~ Poisson(1), drawn from uniform_from_text(seed | stream | unit |
    b). A replicate statistic is the KPI recomputed with every unit's sums
    multiplied by its weight; the interval is the (1 - confidence) / 2 and
    (1 + confidence) / 2 percentiles of the replicate statistics. Weights
    depend only on the unit key, so a unit has the same weight in every week
    and segment of a replicate, and the same data and seed give the same
    bounds bit for bit on any thread count. The number of replicates is the
    seed's bootstrap_replicates (at most 9999), the seed bootstrap_seed.

    bootstrap_unit_weights(units, unit_key, stream): one row per distinct
    unit key x replicate with a positive weight (columns unit_key,
    replicate, bootstrap_weight); units with weight 0 are left out.

    bootstrap_percentile_interval(replicate_statistics, group_columns): from
    one row per group x replicate (columns group_columns,
    replicate_statistic), the percentile interval per group, interpolated
    between order statistics as percentile_cont and numpy's default do
    (position (m - 1) q of the m defined statistics). Replicates whose
    statistic is undefined (null, e.g. a zero denominator) are left out, so
    the interval is conditional on the statistic being defined;
    defined_replicates says how many remained.
#}
{% macro bootstrap_unit_weights(units, unit_key, stream) -%}
    {%- set poisson = namespace(term=1.0, cumulative=0.0) -%}
    with

    distinct_units as (
        select distinct cast({{ unit_key }} as varchar) as unit_key
        from {{ units }}
    ),

    replicates as (
        select series_value as replicate
        from ({{ integer_series(4) }}) as series
        where series_value between 1 and {{ kpi_parameter('bootstrap_replicates') }}
    ),

    uniforms as (
        select
            distinct_units.unit_key,
            replicates.replicate,
            {{ uniform_from_text(
                "cast(cast(" ~ kpi_parameter('bootstrap_seed') ~ " as bigint) as varchar) || '|"
                ~ stream ~ "|' || distinct_units.unit_key || '|' || cast(replicates.replicate as varchar)"
            ) }} as uniform_draw
        from distinct_units
        cross join replicates
    ),

    weighted as (
        select
            unit_key,
            replicate,
            {#- inverse cumulative distribution of Poisson(1), truncated at 10 (p < 1.1e-7) #}
            case
                {%- for count in range(10) %}
                    {%- set poisson.cumulative = poisson.cumulative + poisson.term %}
                    when uniform_draw < {{ poisson.cumulative * 0.36787944117144233 }} then {{ count }}
                    {%- set poisson.term = poisson.term / (count + 1) %}
                {%- endfor %}
                else 10
            end as bootstrap_weight
        from uniforms
    )

    select
        unit_key,
        replicate,
        bootstrap_weight
    from weighted
    where bootstrap_weight > 0
{%- endmacro %}

{% macro bootstrap_percentile_interval(replicate_statistics, group_columns, confidence=none) -%}
    {%- set confidence = confidence if confidence is not none else kpi_parameter('interval_confidence') -%}
    {%- set keys = group_columns | join(', ') -%}
    with

    defined as (
        select
            {{ keys }},
            replicate_statistic,
            row_number() over (partition by {{ keys }} order by replicate_statistic) as statistic_rank,
            count(*) over (partition by {{ keys }}) as defined_replicates
        from {{ replicate_statistics }}
        where replicate_statistic is not null
    ),

    positions as (
        select
            *,
            (defined_replicates - 1) * (1.0 - {{ confidence }}) / 2.0 as lower_position,
            (defined_replicates - 1) * (1.0 + {{ confidence }}) / 2.0 as upper_position
        from defined
    ),

    neighbours as (
        select
            {{ keys }},
            max(defined_replicates) as defined_replicates,
            max(lower_position) as lower_position,
            max(upper_position) as upper_position,
            max(case when statistic_rank = floor(lower_position) + 1 then replicate_statistic end) as lower_below,
            max(case when statistic_rank = floor(lower_position) + 2 then replicate_statistic end) as lower_above,
            max(case when statistic_rank = floor(upper_position) + 1 then replicate_statistic end) as upper_below,
            max(case when statistic_rank = floor(upper_position) + 2 then replicate_statistic end) as upper_above
        from positions
        group by {{ keys }}
    )

    select
        {{ keys }},
        cast(defined_replicates as integer) as defined_replicates,
        lower_below + (lower_position - floor(lower_position)) * (coalesce(lower_above, lower_below) - lower_below)
            as interval_lower,
        upper_below + (upper_position - floor(upper_position)) * (coalesce(upper_above, upper_below) - upper_below)
            as interval_upper
    from neighbours
{%- endmacro %}

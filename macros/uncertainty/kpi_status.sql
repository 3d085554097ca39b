{#
    The scorecard status of a KPI value, respecting its uncertainty. One
    home for the rule: fct_kpi_scorecard and the alert simulation both call
    these macros.

    kpi_status_facts(): select items classifying a row that carries value,
    interval_lower, interval_upper, unit_count, threshold, direction,
    benchmark_low and benchmark_high:
      has_value          the value is not null
      is_small_sample    fewer than min_sample_size units, no finite
                         interval, or an interval wider than
                         small_sample_band_width_ratio x the benchmark band
                         (it cannot place the KPI relative to the band)
      has_threshold      the threshold is not null
      value_position     target_side (on the threshold or on its good side),
                         within_margin (past it by at most
                         at_risk_margin x |threshold|) or beyond_margin
      interval_position  past_threshold (the whole interval on the wrong
                         side), target_side (the whole interval on the good
                         side, the threshold included) or straddles
      evidence_past_threshold
                         how far the value lies past the threshold, in
                         half-widths of the interval on the threshold side:
                         above 1 the whole interval is past it, negative on
                         the target side

    kpi_status_from_rules(rows, key_columns, rules): rows.* plus the facts
    above, status and status_reason: the first rule of `rules` (seed
    kpi_status_rules, by rule_order) whose non-null conditions all equal the
    row's facts. The callers' one step from a thresholded row to its status.
#}
{% macro kpi_status_facts(
    value='value',
    interval_lower='interval_lower',
    interval_upper='interval_upper',
    unit_count='unit_count',
    threshold='threshold',
    direction='direction',
    benchmark_low='benchmark_low',
    benchmark_high='benchmark_high'
) -%}
    {%- set higher = direction ~ " = 'higher_is_better'" -%}
    {%- set lower = direction ~ " = 'lower_is_better'" -%}
    {%- set margin = kpi_parameter('at_risk_margin') ~ ' * abs(' ~ threshold ~ ')' -%}
    {{ value }} is not null as has_value,
    (
        coalesce({{ unit_count }}, 0) < {{ kpi_parameter('min_sample_size') }}
        or {{ interval_lower }} is null
        or {{ interval_upper }} is null
        or coalesce(
            {{ benchmark_high }} - {{ benchmark_low }} > 0
            and {{ interval_upper }} - {{ interval_lower }}
            > {{ kpi_parameter('small_sample_band_width_ratio') }} * ({{ benchmark_high }} - {{ benchmark_low }}),
            false
        )
    ) as is_small_sample,
    {{ threshold }} is not null as has_threshold,
    case
        when {{ value }} is null or {{ threshold }} is null then null
        when
            ({{ higher }} and {{ value }} >= {{ threshold }})
            or ({{ lower }} and {{ value }} <= {{ threshold }})
            then 'target_side'
        when
            ({{ higher }} and {{ value }} >= {{ threshold }} - {{ margin }})
            or ({{ lower }} and {{ value }} <= {{ threshold }} + {{ margin }})
            then 'within_margin'
        else 'beyond_margin'
    end as value_position,
    case
        when {{ threshold }} is null or {{ interval_lower }} is null or {{ interval_upper }} is null then null
        when
            ({{ higher }} and {{ interval_upper }} < {{ threshold }})
            or ({{ lower }} and {{ interval_lower }} > {{ threshold }})
            then 'past_threshold'
        when
            ({{ higher }} and {{ interval_lower }} >= {{ threshold }})
            or ({{ lower }} and {{ interval_upper }} <= {{ threshold }})
            then 'target_side'
        else 'straddles'
    end as interval_position,
    case
        when {{ higher }}
            then ({{ threshold }} - {{ value }}) / nullif(greatest({{ interval_upper }} - {{ value }}, 0), 0)
        when {{ lower }}
            then ({{ value }} - {{ threshold }}) / nullif(greatest({{ value }} - {{ interval_lower }}, 0), 0)
    end as evidence_past_threshold
{%- endmacro %}

{% macro kpi_status_from_rules(rows, key_columns, rules) -%}
    {%- set conditions = ['has_value', 'is_small_sample', 'has_threshold', 'value_position', 'interval_position'] -%}
    {%- set facts = 'status_facts' -%}
    with

    status_facts as (
        select
            *,
            {{ kpi_status_facts() }}
        from {{ rows }}
    ),

    first_matches as (
        select
            {%- for column in key_columns %}
                {{ facts }}.{{ column }},
            {%- endfor %}
            min({{ rules }}.rule_order) as rule_order
        from {{ facts }}
        inner join {{ rules }}
            on
            {%- for condition in conditions %}
                {{ 'and ' if not loop.first }}coalesce({{ rules }}.{{ condition }} = {{ facts }}.{{ condition }}, {{ rules }}.{{ condition }} is null)
            {%- endfor %}
        group by
        {%- for column in key_columns %}
            {{ facts }}.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    )

    select
        {{ facts }}.*,
        {{ rules }}.status,
        {{ rules }}.what_it_means as status_reason
    from {{ facts }}
    left join first_matches
        on
        {%- for column in key_columns %}
            {{ 'and ' if not loop.first }}{{ facts }}.{{ column }} = first_matches.{{ column }}
        {%- endfor %}
    left join {{ rules }}
        on first_matches.rule_order = {{ rules }}.rule_order
{%- endmacro %}

{#
    Whether a change between two values is larger than its noise: 'up' or
    'down' when the difference exceeds the root sum of squares of the two
    interval half-widths that face each other (the current value's towards
    the previous one and vice versa), else 'within_noise'; null when either
    value is null; 'within_noise' when either interval is missing. With
    half-widths z x standard error this is a two-sided z test of the
    difference at the intervals' confidence, each standard error taken from
    its own interval (Altman and Bland 2003). Consecutive weeks of a
    rolling cohort share most of their units, so for them the test is
    conservative: it calls fewer changes than there are.
#}
{% macro kpi_change_direction(current, current_lower, current_upper, previous, previous_lower, previous_upper) -%}
    case
        when {{ current }} is null or {{ previous }} is null then null
        when
            {{ current_lower }} is null or {{ current_upper }} is null
            or {{ previous_lower }} is null or {{ previous_upper }} is null
            then 'within_noise'
        when
            {{ current }} > {{ previous }}
            and {{ current }} - {{ previous }} > sqrt(
                power({{ current }} - {{ current_lower }}, 2) + power({{ previous_upper }} - {{ previous }}, 2)
            )
            then 'up'
        when
            {{ current }} < {{ previous }}
            and {{ previous }} - {{ current }} > sqrt(
                power({{ current_upper }} - {{ current }}, 2) + power({{ previous }} - {{ previous_lower }}, 2)
            )
            then 'down'
        else 'within_noise'
    end
{%- endmacro %}

{#
    The one home of "the latest NPS answer per user in a window" (weekly NPS,
    health sentiment, persona NPS, the risk model's 30-day NPS, a user's
    latest answer). The per-day answer is int_user_days_aggregated's
    last_nps_score (the day's answer with the largest occurred_at, ties to
    the larger event_id); the latest day in the window wins, so the pick is
    the answer with the largest (occurred_at, event_id) in the window.

    A select (a CTE's body) with one row per window and answering user:
    the window's `window_columns`, user_id, nps_score and answered_date (the
    day of that answer). A window holds the days first_date..last_date
    (inclusive); `window_days` gives the window_days days ending with
    last_date instead of first_date. Reads the CTE named `user_days` (the
    import CTE of int_user_days_aggregated, or the days an incremental model
    keeps in scope) and the CTE named `windows`; `match_columns` are equated
    between the two (tenant_id: the tenant's users only).
#}
{% macro latest_nps_answers(
    windows, window_columns, last_date, first_date=none, window_days=none, match_columns=[],
    user_days='user_days'
) -%}
    {%- if first_date is not none and window_days is not none -%}
        {{ exceptions.raise_compiler_error('latest_nps_answers: give first_date or window_days, not both') }}
    {%- endif -%}
    select
        {%- for column in window_columns %}
            {{ windows }}.{{ column }},
        {%- endfor %}
        {{ user_days }}.user_id,
        max({{ user_days }}.activity_date) as answered_date,
        {{ latest_by(user_days ~ '.last_nps_score', user_days ~ '.activity_date') }} as nps_score
    from {{ windows }}
    inner join {{ user_days }}
        on
            {{ user_days }}.activity_date <= {{ last_date }}
            {%- if first_date is not none %}
                and {{ user_days }}.activity_date >= {{ first_date }}
            {%- elif window_days is not none %}
                and {{ user_days }}.activity_date > cast(
                    {{ dbt.dateadd('day', '-1 * ' ~ window_days, last_date) }} as date
                )
            {%- endif %}
            {%- for column in match_columns %}
                and {{ windows }}.{{ column }} = {{ user_days }}.{{ column }}
            {%- endfor %}
    where {{ user_days }}.nps_responses > 0
    group by
        {%- for column in window_columns %}
            {{ windows }}.{{ column }},
        {%- endfor %}
        {{ user_days }}.user_id
{%- endmacro %}

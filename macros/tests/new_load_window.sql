{#
    Data tests scoped to the new data in a weekly (incremental) run.

    A test configured with `where: "__new_load_window__"` (dbt_project.yml
    sets it for the large event tables) checks, in an incremental run, only
    the rows of the load window that run loaded, and everything on a full
    refresh. The tested model names its window column in
    `meta: {load_window_column: ..., load_window_days_before: N}` (N days
    before the window start, for a column that starts a period, e.g. a
    week); a model without it is tested whole.

    The window is the one base_product__events read, recorded by its
    pre-hook (record_events_load_window) in base_product__events_load_window:
    the earliest load date the run read (a partitioned delivery), or the
    start of the received_at window (a single file). A `dbt test` on its own
    checks the last run's window.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- if '__new_load_window__' in where -%}
            {%- set where = where | replace('__new_load_window__', new_load_window_condition(relation)) -%}
        {%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{# The condition that keeps a tested relation's rows of the new load window ('1 = 1': all rows). #}
{% macro new_load_window_condition(relation) %}
    {% if not execute or flags.FULL_REFRESH %}
        {{ return('1 = 1') }}
    {% endif %}
    {% set nodes = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') | list %}
    {% set tested = nodes | selectattr('alias', 'equalto', relation.identifier) | list %}
    {% if tested | length == 0 %}
        {{ return('1 = 1') }}
    {% endif %}
    {% set meta = tested[0].config.get('meta', {}) %}
    {% set column = meta.get('load_window_column') %}
    {% set recorded = events_load_window_record() %}
    {% if column is none or recorded is none or recorded['is_full_refresh'] %}
        {{ return('1 = 1') }}
    {% elif recorded['window_start'] is none %}
        {#- the run read nothing new -#}
        {{ return('1 = 0') }}
    {% endif %}
    {% set window_start = dbt.dateadd(
        'day', -1 * meta.get('load_window_days_before', 0) | int, "cast('" ~ recorded['window_start'] ~ "' as date)"
    ) %}
    {{ return('(' ~ column ~ ' is null or ' ~ column ~ ' >= ' ~ window_start ~ ')') }}
{% endmacro %}


{#
    Pre-hook of base_product__events: record the load window this run reads
    in <events table>_load_window (one row: window_start, is_full_refresh),
    for new_load_window_condition. Rendered before the model runs, so it
    sees the stored rows of the previous run.
#}
{% macro record_events_load_window(events_partitions, partitions_read) %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% if not is_incremental() %}
        {% set window_start = 'cast(null as date)' %}
        {% set is_full_refresh = 'true' %}
    {% elif events_delivered_in_partitions() %}
        {#- with the lookback days, which the partition ledger re-reads, though
            the events load itself reads only the partitions it does not hold -#}
        {% set load_dates = events_partitions_to_load(this, events_partitions, partitions_read) %}
        {% set window_start = "cast('" ~ load_dates[0] ~ "' as date)" if load_dates else 'cast(null as date)' %}
        {% set is_full_refresh = 'false' %}
    {% else %}
        {#- the single-file load window of base_product__events, as a date -#}
        {% set window_start = '(select cast(' ~ dbt.dateadd('day', -1 * var('events_lookback_days') | int, 'max(received_at)')
            ~ ' as date) from ' ~ this ~ ' where quarantine_reason is null)' %}
        {% set is_full_refresh = 'false' %}
    {% endif %}
    {#- the tests of this build look the table up in dbt's relation cache -#}
    {% do write_side_table(
        'load_window', 'select ' ~ window_start ~ ' as window_start, ' ~ is_full_refresh ~ ' as is_full_refresh'
    ) %}
    {{ return('') }}
{% endmacro %}


{#
    The load window the last run of base_product__events read, as recorded
    by its pre-hook: {'window_start': a date or none, 'is_full_refresh': bool},
    or none before the first run.
#}
{% macro events_load_window_record() %}
    {% if not execute %}
        {{ return(none) }}
    {% endif %}
    {% set events = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', 'base_product__events') | list %}
    {% if events | length == 0 %}
        {{ return(none) }}
    {% endif %}
    {% set window_relation = adapter.get_relation(
        database=events[0].database,
        schema=events[0].schema,
        identifier=events[0].alias ~ '_load_window',
    ) %}
    {% if window_relation is none %}
        {{ return(none) }}
    {% endif %}
    {% set recorded = run_query('select window_start, is_full_refresh from ' ~ window_relation) %}
    {% if recorded | length == 0 %}
        {{ return(none) }}
    {% endif %}
    {{ return({'window_start': recorded[0][0], 'is_full_refresh': recorded[0][1]}) }}
{% endmacro %}


{#
    The earliest load date the current run of base_product__events read
    ('YYYY-MM-DD'), or none (a full refresh, nothing read, no record). An
    incremental model downstream of the events recomputes what rows of
    these load dates touch: a partition delivered late and out of order
    holds rows received long before any received_at window.
#}
{% macro events_loaded_since() %}
    {% set recorded = events_load_window_record() %}
    {% if recorded is none or recorded['is_full_refresh'] or recorded['window_start'] is none %}
        {{ return(none) }}
    {% endif %}
    {{ return(recorded['window_start'] | string) }}
{% endmacro %}

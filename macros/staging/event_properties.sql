{#
    The JSON properties of an event the staged events carry (raw contract,
    `properties`): the key, the staged column and its kind. One list, from
    which base_product__events extracts, types and checks them: a property
    present but not of its kind makes the row `invalid_value`.
#}
{% macro event_properties() %}
    {{ return([
        {'key': 'step', 'column': 'setup_step', 'kind': 'text'},
        {'key': 'rows', 'column': 'import_rows', 'kind': 'integer'},
        {'key': 'errors', 'column': 'import_errors', 'kind': 'integer'},
        {'key': 'integration', 'column': 'integration_name', 'kind': 'text'},
        {'key': 'setting', 'column': 'setting_name', 'kind': 'text'},
        {'key': 'action', 'column': 'governance_action', 'kind': 'text'},
        {'key': 'feature', 'column': 'feature_name', 'kind': 'text'},
        {'key': 'critical', 'column': 'is_critical_feature', 'kind': 'boolean'},
        {'key': 'workflow', 'column': 'workflow_name', 'kind': 'text'},
        {'key': 'task_type', 'column': 'task_type', 'kind': 'text'},
        {'key': 'content_id', 'column': 'content_id', 'kind': 'text'},
        {'key': 'course_id', 'column': 'course_id', 'kind': 'text'},
        {'key': 'score', 'column': 'nps_score', 'kind': 'integer'},
    ]) }}
{% endmacro %}

{#- A property's text value cast to its kind: null when it does not cast (never an error). -#}
{% macro event_property_typed(value, kind) -%}
    {%- if kind == 'integer' -%}
        {{ to_integer(value) }}
    {%- elif kind == 'boolean' -%}
        {{ safe_cast_boolean(value) }}
    {%- elif kind == 'text' -%}
        {{ value }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("event_property_typed: unknown kind '" ~ kind ~ "'") }}
    {%- endif -%}
{%- endmacro %}

{#
    The columns of a staged event before its properties, in order: the raw
    contract's columns of `events` but the JSON `properties` (staged as the
    columns of event_properties() instead), each followed by what staging
    derives from it: the taxonomy's category and whether the name is known,
    the UTC date of the occurrence, the date of the delivery.
#}
{% macro staged_event_columns() %}
    {%- set derived = {
        'event_name': ['event_category', 'is_known_event_name'],
        'occurred_at': ['occurred_date'],
        'received_at': ['load_date'],
    } %}
    {%- set columns = [] %}
    {%- for column in raw_contract()['events']['columns'] if column['kind'] != 'json' %}
        {%- do columns.append(column['name']) %}
        {%- do columns.extend(derived.get(column['name'], [])) %}
    {%- endfor %}
    {{ return(columns) }}
{% endmacro %}

{#- The column list of stg_product__events: the staged event columns, then
    the typed properties. -#}
{% macro staged_event_column_list() -%}
    {{ (staged_event_columns() + event_properties() | map(attribute='column') | list) | join(',\n        ') }}
{%- endmacro %}

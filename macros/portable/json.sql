{#
    JSON in text columns (event properties). (JSON of a whole row, the
    payload of a quarantined row: row_payload, macros/staging/.)

    PostgreSQL 15 has no non-raising JSON check (`IS JSON` arrived in 16), so
    on PostgreSQL the on-run-start hook `create_engine_functions()` creates
    `try_parse_json(text)` (null for invalid JSON) in the staging schema.
#}

{#- The JSON type of a text value ('object', 'array', 'string', 'number',
    'boolean', 'null'); null when the text is null or not valid JSON. -#}
{% macro json_kind(text_value) -%}
    {{ return(adapter.dispatch('json_kind', 'tenant_kpis')(text_value)) }}
{%- endmacro %}

{% macro duckdb__json_kind(text_value) -%}
    (case when json_valid({{ text_value }}) then lower(json_type({{ text_value }})) end)
{%- endmacro %}

{% macro postgres__json_kind(text_value) -%}
    json_typeof({{ tenant_kpis.engine_function('try_parse_json') }}({{ text_value }}))
{%- endmacro %}



{% macro spark__json_kind(text_value) -%}
    {#- Spark has no JSON validity test for scalars: only 'object' and
        'array' are told apart (what the models ask), anything else is null.
        Spark's parser also takes single-quoted strings ({'a': 1}), which
        are not JSON: refused first. -#}
    (case
        when {{ tenant_kpis.spark_has_single_quoted_json(text_value) }} then null
        when json_object_keys({{ text_value }}) is not null then 'object'
        when json_array_length({{ text_value }}) is not null then 'array'
    end)
{%- endmacro %}


{#- Spark: true when the text has a single quote outside double-quoted
    strings (JSON only knows double quotes; Spark's parser allows both).
    Possessive quantifiers: no backtracking on long values. -#}
{% macro spark_has_single_quoted_json(text_value) -%}
    ({{ text_value }} rlike '^(?:[^"\\\']++|"(?:[^"\\\\]++|\\\\.)*+")*+\'')
{%- endmacro %}


{#- The values of the given top-level keys of a JSON object, as text, in an
    array indexed from 1 (a nested value is its JSON text, a JSON null is
    null). Null when the text is not a valid JSON object. -#}
{% macro json_object_strings(text_value, keys) -%}
    {{ return(adapter.dispatch('json_object_strings', 'tenant_kpis')(text_value, keys)) }}
{%- endmacro %}

{% macro duckdb__json_object_strings(text_value, keys) -%}
    (case
        when json_valid({{ text_value }}) and json_type({{ text_value }}) = 'OBJECT'
            then json_extract_string(
                {{ text_value }},
                [{% for key in keys %}'$.{{ key }}'{{ ', ' if not loop.last }}{% endfor %}]
            )
    end)
{%- endmacro %}

{% macro postgres__json_object_strings(text_value, keys) -%}
    {{ tenant_kpis.engine_function('try_json_object_strings') }}(
        {{ text_value }},
        array[{% for key in keys %}'{{ key }}'{{ ', ' if not loop.last }}{% endfor %}]
    )
{%- endmacro %}

{% macro spark__json_object_strings(text_value, keys) -%}
    {#- Spark's arrays start at 0: element 0 is a null placeholder, so that
        [1] is the first key, as on the other engines -#}
    (case
        when not {{ tenant_kpis.spark_has_single_quoted_json(text_value) }}
            and json_object_keys({{ text_value }}) is not null
            then array(
                cast(null as string),
                {%- for key in keys %}
                get_json_object({{ text_value }}, '$.{{ key }}'){{ ',' if not loop.last }}
                {%- endfor %}
            )
    end)
{%- endmacro %}

{#
    Row fingerprints an engine computes its own way.
#}

{#- A 64-bit hash of the values of `columns` (SQL expressions), in order,
    with a null distinct from every value and its position kept: the same
    values give the same fingerprint on the same engine and version, so a
    changed fingerprint means changed values (and a changed engine or
    version only recomputes more). -#}
{% macro row_fingerprint(columns) -%}
    {{ return(adapter.dispatch('row_fingerprint', 'tenant_kpis')(columns)) }}
{%- endmacro %}

{% macro duckdb__row_fingerprint(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{#- a row's text quotes what needs quoting and leaves a null empty -#}
{% macro postgres__row_fingerprint(columns) -%}
    hashtextextended(cast(row({{ columns | join(', ') }}) as text), 0)
{%- endmacro %}

{#- xxhash64 skips nulls, which would make (null, 'x') and ('x', null) one
    fingerprint; the JSON of a struct names every non-null field -#}
{% macro spark__row_fingerprint(columns) -%}
    xxhash64(to_json(struct({{ columns | join(', ') }})))
{%- endmacro %}

{#
    The generic part of a base_ model (one raw table, not events), generated
    from raw_contract(): each macro writes the body of one CTE, so that a
    base model holds its imports, these four calls and only the rules that
    are its table's own. The CTEs the generated SQL reads (tenants, users,
    allowed_values, plausibility_bounds) are the model's import CTEs, as the style
    wants; no macro here calls ref or source.
#}

{# The contract's columns that reach staging, each with its staged name. #}
{% macro staging_contract_columns(table_name) -%}
    {%- set columns = [] -%}
    {%- for column in raw_contract()[table_name]['columns'] if not column.get('pii') -%}
        {%- do columns.append({
            'raw': column['name'],
            'staged': column.get('staged_as', column['name']),
            'kind': column['kind'],
            'required': column['required'],
            'truncated_to': column.get('truncated_to'),
        }) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{# The staged column names of a table, comma-separated, in contract order:
   the column list of its base model's final CTE and of its stg_ model. #}
{% macro staged_column_list(table_name) -%}
    {{ staging_contract_columns(table_name) | map(attribute='staged') | join(',\n        ') }}
{%- endmacro %}


{# One raw value typed by its kind; never an error (the helpers return null
   when a value does not parse). #}
{% macro staging_typed_value(column) -%}
    {%- if column['kind'] in ['key', 'text'] -%}
        {{ clean_string(column['raw']) }}
    {%- elif column['kind'] == 'integer' -%}
        {{ to_integer(column['raw']) }}
    {%- elif column['kind'] == 'decimal' -%}
        {{ to_double(column['raw']) }}
    {%- elif column['kind'] == 'timestamp' and column['truncated_to'] -%}
        cast({{ dbt.date_trunc(column['truncated_to'], to_utc(column['raw'])) }} as date)
    {%- elif column['kind'] == 'timestamp' -%}
        {{ to_utc(column['raw']) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "staging_typed_value: no generic staging for kind '" ~ column['kind'] ~ "' (column " ~ column['raw'] ~ ")"
        ) }}
    {%- endif -%}
{%- endmacro %}


{#- The typed select: every staged column by its kind, a flag for each
    optional value that is present but does not parse (a quarantine reason
    the typed null alone cannot tell from a missing value), and the raw row
    as JSON for the quarantine. -#}
{% macro base_typed_select(table_name, relation) -%}
    select
        {%- for column in staging_contract_columns(table_name) %}
        {{ staging_typed_value(column) }} as {{ column['staged'] }},
        {%- if not column['required'] and column['kind'] == 'timestamp' %}
        {{ is_unparseable_timestamp(column['raw']) }} as is_{{ column['staged'] }}_unparseable,
        {%- elif not column['required'] and column['kind'] in ['integer', 'decimal'] %}
        not {{ is_blank(column['raw']) }} and {{ staging_typed_value(column) }} is null as is_{{ column['staged'] }}_invalid,
        {%- endif %}
        {%- endfor %}
        {{ row_payload(relation) }} as raw_payload
    from {{ relation }}
{%- endmacro %}


{#- A table's own condition for one quarantine reason: the value is missing
    or not in its set of seed allowed_values (import CTE allowed_values). -#}
{% macro is_not_allowed_value(column, value_set) -%}
    ({{ column }} is null or {{ column }} not in (
        select allowed_values.allowed_value
        from allowed_values
        where allowed_values.column_name = '{{ value_set }}'
    ))
{%- endmacro %}


{#- The quarantine reason a row's own values (and the staged tenants and
    users) give, null when valid: the first that matches, in the order of
    seed quarantine_reasons. The generic conditions come from the contract;
    `table_rules` adds a table's own, {reason: [condition, ...]}, or-ed with
    the generic ones of that reason. duplicate_key is decided later
    (base_key_ranked), among the rows this leaves valid. -#}
{% macro base_quarantine_reasons(table_name, typed, table_rules={}) -%}
    {%- set staging = raw_contract()[table_name]['staging'] -%}
    {%- set columns = staging_contract_columns(table_name) -%}
    {%- set by_raw = {} -%}
    {%- for column in columns -%}
        {%- do by_raw.update({column['raw']: column}) -%}
    {%- endfor -%}
    {#- in seed quarantine_reasons' order, the first match wins -#}
    {%- set conditions = {
        'missing_key': [], 'unparseable_timestamp': [], 'invalid_value': [], 'invalid_json': [],
        'unknown_tenant': [], 'unknown_user': [], 'user_tenant_mismatch': [], 'timestamp_out_of_range': [],
    } -%}
    {%- for column in columns -%}
        {%- set value = typed ~ '.' ~ column['staged'] -%}
        {%- if column['kind'] == 'key' and column['required'] -%}
            {%- do conditions['missing_key'].append(value ~ ' is null') -%}
        {%- elif column['kind'] == 'timestamp' -%}
            {%- do conditions['unparseable_timestamp'].append(
                value ~ ' is null' if column['required'] else typed ~ '.is_' ~ column['staged'] ~ '_unparseable'
            ) -%}
            {%- do conditions['timestamp_out_of_range'].append(
                is_implausible_timestamp(value, table_name, column['raw'])
            ) -%}
        {%- elif column['kind'] in ['integer', 'decimal'] -%}
            {%- do conditions['invalid_value'].append(
                value ~ ' is null' if column['required'] else typed ~ '.is_' ~ column['staged'] ~ '_invalid'
            ) -%}
            {%- do conditions['invalid_value'].append(is_implausible_number(value, table_name, column['raw'])) -%}
        {%- endif -%}
    {%- endfor -%}
    {#- entity x is checked against the import CTE xs of its staged rows -#}
    {%- set checked = [] -%}
    {%- for entity in ['tenant', 'user'] if staging.get('checks_' ~ entity) -%}
        {%- do checked.append(entity) -%}
        {%- do conditions['unknown_' ~ entity].append(
            ('' if by_raw[entity ~ '_id']['required'] else typed ~ '.' ~ entity ~ '_id is not null and ')
            ~ entity ~ 's.' ~ entity ~ '_id is null'
        ) -%}
    {%- endfor -%}
    {%- if 'user' in checked -%}
        {%- do conditions['user_tenant_mismatch'].append('users.tenant_id != ' ~ typed ~ '.tenant_id') -%}
    {%- endif -%}
    {%- for reason, rules in table_rules.items() -%}
        {%- if reason not in conditions -%}
            {{ exceptions.raise_compiler_error("base_quarantine_reasons: unknown reason '" ~ reason ~ "'") }}
        {%- endif -%}
        {%- do conditions[reason].extend(rules) -%}
    {%- endfor -%}
    select
        {{ typed }}.*,
        case
            {%- for reason, reason_conditions in conditions.items() if reason_conditions %}
            when
                {{ reason_conditions | join('\n                or ') }}
                then '{{ reason }}'
            {%- endfor %}
        end as rule_reason
    from {{ typed }}
    {%- for entity in checked %}
    left join {{ entity }}s
        on {{ typed }}.{{ entity }}_id = {{ entity }}s.{{ entity }}_id
    {%- endfor %}
{%- endmacro %}


{#- Ranks the rows of each duplicate key, valid rows apart from
    quarantined ones: the earliest survivor_order (then the raw row, so the
    choice never depends on the file's order) keeps the key. -#}
{% macro base_key_ranked(table_name, validated) -%}
    {%- set staging = raw_contract()[table_name]['staging'] -%}
    select
        *,
        row_number() over (
            partition by {{ staging['key'] | join(', ') }}, rule_reason is null
            order by {{ staging['survivor_order'] }}, raw_payload
        ) as key_rank
    from {{ validated }}
{%- endmacro %}


{#- The base model's columns: the staged ones (integers narrowed once
    known plausible), the quarantine reason (a later row of a valid key is a
    duplicate_key) and the raw row of a quarantined row only. -#}
{% macro base_final_select(table_name, ranked) -%}
    select
        {%- for column in staging_contract_columns(table_name) %}
        {%- if column['kind'] == 'integer' %}
        {{ to_plausible_integer(column['staged'], table_name, column['raw']) }} as {{ column['staged'] }},
        {%- else %}
        {{ column['staged'] }},
        {%- endif %}
        {%- endfor %}
        coalesce(
            rule_reason,
            case when key_rank > 1 then 'duplicate_key' end
        ) as quarantine_reason,
        case
            when rule_reason is not null or key_rank > 1 then raw_payload
        end as row_payload
    from {{ ranked }}
{%- endmacro %}

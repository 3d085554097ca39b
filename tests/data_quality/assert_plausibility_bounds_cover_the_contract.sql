-- Every timestamp, integer and decimal column of the raw contract
-- (macro raw_contract) has its row of the same kind in seed
-- plausibility_bounds, and every seed row names a contract column of its
-- kind or an event property. A column without bounds would quarantine all
-- its values.
{%- set bounded_columns = [] %}
{%- for table_name, spec in raw_contract().items() %}
    {%- for column in spec['columns'] if column['kind'] in ['timestamp', 'integer', 'decimal'] %}
        {%- do bounded_columns.append(
            "('" ~ table_name ~ "', '" ~ column['name'] ~ "', '" ~ column['kind'] ~ "')"
        ) %}
    {%- endfor %}
{%- endfor %}

with

plausibility_bounds as (
    select * from {{ ref('plausibility_bounds') }}
),

contract_columns as (
    select *
    from (
        values
        {{ bounded_columns | join(',\n        ') }}
    ) as contract_columns (raw_table, column_name, value_kind)
),

seed_rows as (
    select
        raw_table,
        column_name,
        value_kind
    from plausibility_bounds
),

missing as (
    select
        contract_columns.raw_table,
        contract_columns.column_name,
        'no bounds of kind ' || contract_columns.value_kind as problem
    from contract_columns
    left join seed_rows
        on
            contract_columns.raw_table = seed_rows.raw_table
            and contract_columns.column_name = seed_rows.column_name
            and contract_columns.value_kind = seed_rows.value_kind
    where seed_rows.raw_table is null
),

unknown as (
    select
        seed_rows.raw_table,
        seed_rows.column_name,
        'not a contract column of kind ' || seed_rows.value_kind as problem
    from seed_rows
    left join contract_columns
        on
            seed_rows.raw_table = contract_columns.raw_table
            and seed_rows.column_name = contract_columns.column_name
            and seed_rows.value_kind = contract_columns.value_kind
    where
        contract_columns.raw_table is null
        and not (seed_rows.raw_table = 'events' and seed_rows.column_name like 'properties.%')
)

select * from missing
union all
select * from unknown

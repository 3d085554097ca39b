-- PII guard: no relation built by this project (any schema but `raw`) has a
-- column named like e-mail, raw or derived (a hash of an address is
-- reversible by guessing address patterns). Checks every table, view and
-- mart, so a later model that re-exposes the e-mail fails the build.
-- depends_on: {{ ref('stg_app__users') }}
-- depends_on: {{ ref('base_app__users') }}
-- depends_on: {{ ref('dq_quarantined_rows') }}
with

catalog as (
    {{ catalog_columns() }}
),

final as (
    select
        table_schema,
        table_name,
        column_name
    from catalog
    where
        table_schema != 'raw'
        and lower(column_name) like '%email%'
)

select * from final

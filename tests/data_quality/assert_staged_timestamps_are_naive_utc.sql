-- Staging hands downstream naive UTC timestamps only: a `timestamp with time
-- zone` column in the staging schema would be shifted by a session time zone.
-- depends_on: {{ ref('stg_product__events') }}
-- depends_on: {{ ref('stg_app__users') }}
with

catalog as (
    {{ catalog_columns() }}
),

final as (
    select
        table_name,
        column_name,
        data_type
    from catalog
    where
        table_schema = '{{ ref("stg_app__users").schema }}'
        and {{ is_time_zone_shifted_type('data_type') }}
)

select * from final

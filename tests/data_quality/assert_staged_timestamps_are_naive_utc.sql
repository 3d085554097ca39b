-- Staging hands downstream naive UTC timestamps only: a `timestamp with time
-- zone` column in the staging schema would be shifted by a session time zone.
-- depends_on: {{ ref('stg_product__events') }}
-- depends_on: {{ ref('stg_app__users') }}
select
    table_name,
    column_name,
    data_type
from information_schema.columns
where
    table_catalog = '{{ target.database }}'
    and table_schema = '{{ ref("stg_app__users").schema }}'
    and data_type ilike '%with time zone%'

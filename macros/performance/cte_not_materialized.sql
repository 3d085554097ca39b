{#
    `name as {{ cte_not_materialized() }} (...)`: inline a CTE that is read
    more than once instead of materialising it. DuckDB (like Postgres)
    materialises such a CTE by default, which copies every row it holds: on
    a large, cheap-to-recompute CTE (a plain read, a join on keys) reading it
    twice is several times faster. Warehouses without the hint get a plain
    CTE.
#}
{% macro cte_not_materialized() -%}
    {{ return(adapter.dispatch('cte_not_materialized', 'tenant_kpis')()) }}
{%- endmacro %}

{% macro default__cte_not_materialized() -%}
{%- endmacro %}

{% macro duckdb__cte_not_materialized() -%}
    not materialized
{%- endmacro %}

{% macro postgres__cte_not_materialized() -%}
    not materialized
{%- endmacro %}


{#
    `name as {{ cte_materialized() }} (...)`: compute a small CTE once. A
    one-row aggregate joined to a large result can otherwise be planned as
    the inner side of a nested loop and recomputed for every row
    (PostgreSQL did so in fct_kpi_alerts: ten minutes instead of a second).
#}
{% macro cte_materialized() -%}
    {{ return(adapter.dispatch('cte_materialized', 'tenant_kpis')()) }}
{%- endmacro %}

{% macro default__cte_materialized() -%}
{%- endmacro %}

{% macro duckdb__cte_materialized() -%}
    materialized
{%- endmacro %}

{% macro postgres__cte_materialized() -%}
    materialized
{%- endmacro %}


{#
    `name as {{ cte_computed_once() }} (...)`: a CTE whose expensive per-row
    expressions (a function call parsing text) later CTEs read many times.
    PostgreSQL inlines a CTE that is read once and then evaluates such an
    expression again at every reference of its column (base_product__events:
    the parsed event properties, read 20 times); materialising computes it
    once per row. DuckDB eliminates the common subexpressions itself.
#}
{% macro cte_computed_once() -%}
    {{ return(adapter.dispatch('cte_computed_once', 'tenant_kpis')()) }}
{%- endmacro %}

{% macro default__cte_computed_once() -%}
{%- endmacro %}

{% macro postgres__cte_computed_once() -%}
    materialized
{%- endmacro %}


{#
    Model pre-hook `{{ config(pre_hook="{{ prefer_hash_joins() }}") }}`:
    PostgreSQL joins by hash, not by nested loop, in this model's
    transaction. Its row estimate of a CTE joined on several correlated
    columns can fall to 1, and a left join to such a CTE then runs as a
    nested loop over every row of the other side (int_kpi_onboarding_computed:
    its median intervals joined to the grouping-sets aggregate, hours instead
    of 2 s). A join on a range alone still runs as a nested loop.
#}
{% macro prefer_hash_joins() -%}
    {{ return(adapter.dispatch('prefer_hash_joins', 'tenant_kpis')()) }}
{%- endmacro %}

{% macro default__prefer_hash_joins() -%}
{%- endmacro %}

{% macro postgres__prefer_hash_joins() -%}
    set local enable_nestloop = off
{%- endmacro %}

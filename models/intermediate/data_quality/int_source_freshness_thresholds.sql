{#
    One row per source table of this project with its freshness thresholds
    in whole days (rounded up), read from the project graph: the sources'
    own `freshness` config (warn_after / error_after) is the single
    definition, used both by `dbt source freshness` and by
    dq_source_freshness. Null thresholds when a table has none.
#}

{%- set rows = [] -%}
{%- if execute -%}
    {%- for node in (graph.get('sources') or {}).values() | sort(attribute='unique_id') -%}
        {%- if node.package_name == project_name -%}
            {%- set days = source_freshness_days(node.source_name, node.name) -%}
            {%- do rows.append({
                'source_name': node.source_name,
                'raw_table': node.name,
                'warn': days.warn,
                'error': days.error,
            }) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}

with

thresholds as (
    {%- for row in rows %}
        select
            '{{ row.source_name }}' as source_name,
            '{{ row.raw_table }}' as raw_table,
            cast({{ row.warn }} as integer) as warn_after_days,
            cast({{ row.error }} as integer) as error_after_days
        {% if not loop.last %}union all{% endif %}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as source_name,
            cast(null as {{ dbt.type_string() }}) as raw_table,
            cast(null as integer) as warn_after_days,
            cast(null as integer) as error_after_days
        where false
    {%- endfor %}
),

final as (
    select * from thresholds
)

select * from final

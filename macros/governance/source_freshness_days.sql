{#
    The warn_after / error_after freshness thresholds of one source table,
    converted to whole days (rounded up), read from the project graph so the
    sources' own `freshness` config is the single definition. Returns a dict
    {'warn': <int or 'null'>, 'error': <int or 'null'>}; both 'null' while
    parsing or when the table has no freshness config.
#}
{% macro source_freshness_days(source_name, table_name) %}
    {%- set result = {'warn': 'null', 'error': 'null'} -%}
    {%- if execute -%}
        {%- for node in (graph.get('sources') or {}).values() -%}
            {%- if node.source_name == source_name and node.name == table_name -%}
                {%- set freshness = node.freshness or node.config.get('freshness') or {} -%}
                {%- for key in ['warn', 'error'] -%}
                    {%- set threshold = freshness.get(key ~ '_after') if freshness is mapping else none -%}
                    {%- if threshold and threshold.get('count') is not none and threshold.get('period') -%}
                        {%- set per_day = {'day': 1, 'hour': 24, 'minute': 1440}[threshold.get('period')] -%}
                        {%- set days = (threshold.get('count') / per_day) | round(0, 'ceil') | int -%}
                        {%- do result.update({key: days}) -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(result) }}
{% endmacro %}

{# One numeric setting of the risk model (seed risk_model_settings); a
   missing setting fails the query, naming it (macro seed_parameter). #}
{% macro risk_model_setting(setting_name) -%}
    {{ seed_parameter('risk_model_settings', 'setting_name', 'setting_value', setting_name) }}
{%- endmacro %}


{# Generic test: the health component weights sum to 1 (within 1e-9). #}
{% test health_weights_sum_to_one(model, column_name='weight') %}
    select sum({{ column_name }}) as weight_sum
    from {{ model }}
    having abs(sum({{ column_name }}) - 1.0) > 1e-9
{% endtest %}

{# One numeric setting of the risk model from the `risk_model_settings`
   seed, as a scalar subquery (null if the setting is missing). #}
{% macro risk_model_setting(setting_name) -%}
    (
        select cast(setting_value as {{ dbt.type_float() }})
        from {{ ref('risk_model_settings') }}
        where setting_name = '{{ setting_name }}'
    )
{%- endmacro %}


{# Generic test: the health component weights sum to 1 (within 1e-9). #}
{% test health_weights_sum_to_one(model, column_name='weight') %}
    select sum({{ column_name }}) as weight_sum
    from {{ model }}
    having abs(sum({{ column_name }}) - 1.0) > 1e-9
{% endtest %}

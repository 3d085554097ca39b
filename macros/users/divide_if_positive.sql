{#
    numerator / denominator as a double; null when the denominator is 0 or
    null (a rate whose denominator is 0 is null, never 0).
#}
{% macro divide_if_positive(numerator, denominator) -%}
    case
        when ({{ denominator }}) > 0
            then cast({{ numerator }} as {{ dbt.type_float() }}) / cast({{ denominator }} as {{ dbt.type_float() }})
    end
{%- endmacro %}

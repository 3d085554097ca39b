{# Generic test: the column is never after other_column (nulls pass). #}
{% test column_not_after(model, column_name, other_column) %}
    select {{ column_name }}, {{ other_column }}
    from {{ model }}
    where {{ column_name }} > {{ other_column }}
{% endtest %}

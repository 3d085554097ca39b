{# Generic test: the column lies in [min_value, max_value] (nulls pass). #}
{% test hrp_between(model, column_name, min_value, max_value) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}


{# Generic test: the combination of columns is unique (the model's grain). #}
{% test unique_combination_of_columns_hrp(model, combination) %}
    select {{ combination | join(', ') }}, count(*) as rows_per_key
    from {{ model }}
    group by {{ combination | join(', ') }}
    having count(*) > 1
{% endtest %}


{# Generic test: the column is never after other_column (nulls pass). #}
{% test hrp_column_not_after(model, column_name, other_column) %}
    select {{ column_name }}, {{ other_column }}
    from {{ model }}
    where {{ column_name }} > {{ other_column }}
{% endtest %}

{#
    Generic data tests (no dbt_utils on this project). Each returns the
    failing rows; documented in _tests__macros.yml. Inputs go under
    `arguments:` in the yml.
#}

{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true, where=none) %}
select *
from {{ model }}
where {{ is_outside_range(column_name, min_value, max_value, inclusive, where) }}
{% endtest %}


{#- Several columns' ranges in one scan and one test node (accepted_range
    is a node per column). Each range is {column_name, min_value, max_value,
    inclusive, where}, as accepted_range's arguments; a range's `where`
    replaces the test config's `where` of the range it folds, so ranges of
    one column over different rows fold too. Returns every row out of a
    range, naming the columns and values (`out_of_range_values`). -#}
{% test accepted_ranges(model, ranges) %}
{%- set checks = [] %}
{%- for bounds in ranges %}
    {%- do checks.append([
        is_outside_range(bounds.column_name, bounds.get('min_value'), bounds.get('max_value'), bounds.get('inclusive', true), bounds.get('where')),
        column_value_label(bounds.column_name),
    ]) %}
{%- endfor %}
{{ rows_failing_checks(model, checks, 'out_of_range_values') }}
{% endtest %}


{#- True when a non-null value lies outside [min_value, max_value] (strict
    bounds with inclusive=false), on the rows `where` keeps; null for a null
    value, which no range test rejects. -#}
{% macro is_outside_range(column_name, min_value=none, max_value=none, inclusive=true, where=none) -%}
    ({{ column_name }} is not null
        and (
            false
            {%- if min_value is not none %}
            or {{ column_name }} {{ '<' if inclusive else '<=' }} {{ min_value }}
            {%- endif %}
            {%- if max_value is not none %}
            or {{ column_name }} {{ '>' if inclusive else '>=' }} {{ max_value }}
            {%- endif %}
        )
        {%- if where %}
        and ({{ where }})
        {%- endif %})
{%- endmacro %}


{#- The tests folding several checks of a model into one scan share these:
    each check is [condition, label], the condition true on a failing row
    and the label naming what failed (column_value_label). The failing rows
    are those where any check fails; failed_checks_label lists the labels
    of a row's failed checks, comma-separated. -#}
{% macro failed_checks_label(checks) -%}
    concat_ws(
        ', ',
        {%- for check in checks %}
        case when {{ check[0] }} then {{ check[1] }} end{{ "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}


{#- A folded test's failing rows: every row failing a check, its failed
    checks' labels first, in `label_column`. -#}
{% macro rows_failing_checks(model, checks, label_column) -%}
select
    {{ failed_checks_label(checks) }} as {{ label_column }},
    *
from {{ model }}
where {{ any_check_failed(checks) }}
{%- endmacro %}


{% macro any_check_failed(checks) -%}
    {%- for check in checks %}
    {{ "or " if not loop.first }}{{ check[0] }}
    {%- endfor %}
{%- endmacro %}


{#- `column = value` as text: how a folded test's failing row names what failed. -#}
{% macro column_value_label(column_name) -%}
    {{ dbt.concat(["'" ~ column_name ~ " = '", "cast(" ~ column_name ~ " as " ~ dbt.type_string() ~ ")"]) }}
{%- endmacro %}


{#- One scan for all the required columns of a model (one test node instead
    of one per column: ~0.05 s of dbt overhead each). Returns every row with
    a null, naming its null columns. -#}
{% test not_null_columns(model, column_names) %}
{%- set checks = [] %}
{%- for column in column_names %}
    {%- do checks.append([column ~ " is null", "'" ~ column ~ "'"]) %}
{%- endfor %}
{{ rows_failing_checks(model, checks, 'null_columns') }}
{% endtest %}


{% test rate_between_zero_and_one(model, column_name) %}
select *
from {{ model }}
where {{ column_name }} is not null
    and ({{ column_name }} < 0 or {{ column_name }} > 1 or {{ is_nan(column_name) }})
{% endtest %}


{% test numerator_le_denominator(model, numerator, denominator) %}
select *
from {{ model }}
where {{ is_numerator_above_denominator(numerator, denominator) }}
{% endtest %}


{#- numerator_le_denominator for several pairs of a model in one scan and one
    test node. Returns every row where a pair's numerator exceeds its
    denominator, naming both with their values (`numerators_above_denominators`). -#}
{% test numerators_le_denominators(model, pairs) %}
{%- set checks = [] %}
{%- for pair in pairs %}
    {%- do checks.append([
        is_numerator_above_denominator(pair.numerator, pair.denominator),
        dbt.concat([column_value_label(pair.numerator), "' > '", column_value_label(pair.denominator)]),
    ]) %}
{%- endfor %}
{{ rows_failing_checks(model, checks, 'numerators_above_denominators') }}
{% endtest %}


{#- True when both are present and the numerator exceeds the denominator. -#}
{% macro is_numerator_above_denominator(numerator, denominator) -%}
    ({{ numerator }} is not null
        and {{ denominator }} is not null
        and {{ numerator }} > {{ denominator }})
{%- endmacro %}


{% test unique_combination_of_columns(model, combination_of_columns) %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as duplicate_rows
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}


{% test expression_is_true(model, expression, column_name=none, where=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
    {%- if where %}
    and ({{ where }})
    {%- endif %}
{% endtest %}


{% test null_when(model, column_name, condition) %}
select *
from {{ model }}
where {{ is_present_when(column_name, condition) }}
{% endtest %}


{#- null_when for several columns of a model in one scan and one test node:
    conditions_by_column maps each column to the condition under which it
    must be null. Returns every row with a value where there must be none,
    naming the columns and values (`unexpected_values`). -#}
{% test null_when_columns(model, conditions_by_column) %}
{%- set checks = [] %}
{%- for column, condition in conditions_by_column.items() %}
    {%- do checks.append([is_present_when(column, condition), column_value_label(column)]) %}
{%- endfor %}
{{ rows_failing_checks(model, checks, 'unexpected_values') }}
{% endtest %}


{#- True when the condition holds and the column has a value. -#}
{% macro is_present_when(column_name, condition) -%}
    (({{ condition }}) and {{ column_name }} is not null)
{%- endmacro %}


{% test not_null_where(model, column_name, condition) %}
select *
from {{ model }}
where ({{ condition }})
    and {{ column_name }} is null
{% endtest %}


{% test relationships_where(model, column_name, to, field, from_condition='1 = 1', to_condition='1 = 1') %}
with

child as (
    select {{ column_name }} as child_value
    from {{ model }}
    where {{ column_name }} is not null
        and ({{ from_condition }})
),

parent as (
    select {{ field }} as parent_value
    from {{ to }}
    where {{ to_condition }}
)

select child.child_value
from child
left join parent
    on child.child_value = parent.parent_value
where parent.parent_value is null
{% endtest %}


{% test equal_row_count(model, compare_model, where=none, compare_where=none) %}
with

model_rows as (
    select count(*) as row_count
    from {{ model }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
),

compare_rows as (
    select count(*) as row_count
    from {{ compare_model }}
    {%- if compare_where %}
    where {{ compare_where }}
    {%- endif %}
)

select
    model_rows.row_count as model_row_count,
    compare_rows.row_count as compare_row_count
from model_rows
cross join compare_rows
where model_rows.row_count != compare_rows.row_count
{% endtest %}


{#- dbt's accepted_values for several columns in one scan and one test node.
    values_by_column maps each column to its accepted values; `quote` (default
    true) quotes every value, as dbt's does. A null passes, as in dbt's. Returns
    one row per combination of unexpected values, naming the columns and
    values (`unexpected_values`), with its row count. -#}
{% test accepted_values_columns(model, values_by_column, quote=true) %}
{%- set checks = [] %}
{%- for column, values in values_by_column.items() %}
    {%- do checks.append([is_not_accepted_value(column, values, quote), column_value_label(column)]) %}
{%- endfor %}
with

unexpected as (
    select {{ failed_checks_label(checks) }} as unexpected_values
    from {{ model }}
    where {{ any_check_failed(checks) }}
)

select
    unexpected_values,
    count(*) as n_records
from unexpected
group by unexpected_values
{% endtest %}


{#- True when the value is not one of `values` (null for a null value). -#}
{% macro is_not_accepted_value(column_name, values, quote=true) -%}
    {{ column_name }} not in (
        {%- for value in values -%}
        {{ "'" ~ value ~ "'" if quote else value }}{{ ", " if not loop.last }}
        {%- endfor -%}
    )
{%- endmacro %}


{% test accepted_values_from_seed(model, column_name, seed, seed_column='allowed_value', seed_condition='1 = 1') %}
select {{ column_name }} as unexpected_value, count(*) as row_count
from {{ model }}
where {{ column_name }} is not null
    and cast({{ column_name }} as {{ dbt.type_string() }}) not in (
        select cast({{ seed_column }} as {{ dbt.type_string() }})
        from {{ seed }}
        where {{ seed_condition }}
    )
group by 1
{% endtest %}

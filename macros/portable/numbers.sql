{#
    Rounding and number formatting with one result on every engine.
#}

{#- A float rounded to `places` decimals, halves away from zero, computed
    as DuckDB's round(double, int) does: round(value * 10^places) / 10^places.
    (PostgreSQL has no round(double precision, int), and its round(double
    precision) breaks ties to even.) -#}
{% macro round_to(value, places) -%}
    {{ return(adapter.dispatch('round_to', 'tenant_kpis')(value, places)) }}
{%- endmacro %}

{% macro duckdb__round_to(value, places) -%}
    round({{ value }}, {{ places }})
{%- endmacro %}

{% macro default__round_to(value, places) -%}
    {%- set scale = 'cast(' ~ (10 ** (places | int)) ~ ' as ' ~ dbt.type_float() ~ ')' -%}
    (sign({{ value }}) * floor(abs({{ value }}) * {{ scale }} + 0.5) / {{ scale }})
{%- endmacro %}


{#- A number as text with exactly `places` decimals (12.0 -> '12.0'), for
    sentences in marts: engines print floats differently ('12' or '12.0'),
    fixed-point decimals alike. -#}
{% macro number_to_text(value, places) -%}
    cast(cast({{ tenant_kpis.round_to(value, places) }} as decimal(38, {{ places }})) as {{ dbt.type_string() }})
{%- endmacro %}

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


{#- A float as an exact decimal(precision, scale), for sums and averages
    that must not depend on the order rows arrive in. DuckDB converts the
    binary value; PostgreSQL's float8 -> numeric cast keeps only 15
    significant digits (33.333333333333336 -> 33.3333333333333), so its
    implementation goes through the float's shortest exact text, which
    PostgreSQL 12+ prints (extra_float_digits >= 1, the default). -#}
{% macro exact_decimal(value, precision, scale) -%}
    {{ return(adapter.dispatch('exact_decimal', 'tenant_kpis')(value, precision, scale)) }}
{%- endmacro %}

{% macro default__exact_decimal(value, precision, scale) -%}
    cast({{ value }} as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{% macro postgres__exact_decimal(value, precision, scale) -%}
    cast(cast({{ value }} as text) as numeric({{ precision }}, {{ scale }}))
{%- endmacro %}

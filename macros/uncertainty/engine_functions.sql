{#
    The few engine-specific constructs the interval math needs, one
    dispatched macro each, so that the interval macros stay portable SQL.
#}

{# ln(Gamma(x)) of a positive double: the binomial probabilities of the
   median interval. DuckDB and PostgreSQL 18+ call it lgamma. #}
{% macro log_gamma(expression) -%}
    {{ return(adapter.dispatch('log_gamma', 'tenant_kpis')(expression)) }}
{%- endmacro %}

{% macro default__log_gamma(expression) -%}
    lgamma({{ expression }})
{%- endmacro %}

{% macro postgres__log_gamma(expression) -%}
    {#- lgamma arrives in PostgreSQL 18: before, the function log_gamma of
        create_engine_functions() (macros/portable/engine_functions.sql) -#}
    {{ tenant_kpis.engine_function('log_gamma') }}({{ expression }})
{%- endmacro %}


{% macro spark__log_gamma(expression) -%}
    {#- Spark has no lgamma: the Stirling series at x + 10, shifted back with
        ln Gamma(x) = ln Gamma(x + 10) - ln(x (x + 1) ... (x + 9)); about
        1e-15 relative for x > 0, as the C library's lgamma. Null for x <= 0. -#}
    {%- set x = '(' ~ expression ~ ')' -%}
    {%- set shifted = '(' ~ x ~ ' + 10)' -%}
    {%- set inverse_square = '(1 / (' ~ shifted ~ ' * ' ~ shifted ~ '))' -%}
    (case when {{ x }} > 0 then
        ({{ shifted }} - 0.5D) * ln({{ shifted }}) - {{ shifted }} + 0.91893853320467274178D
        + (1.0D / 12 - {{ inverse_square }} * (1.0D / 360 - {{ inverse_square }} * (1.0D / 1260
            - {{ inverse_square }} * (1.0D / 1680 - {{ inverse_square }} * (1.0D / 1188
            - {{ inverse_square }} * (691.0D / 360360 - {{ inverse_square }} / 156)))))) / {{ shifted }}
        - ({% for k in range(10) %}ln({{ x }} + {{ k }}){{ ' + ' if not loop.last }}{% endfor %})
    end)
{%- endmacro %}


{# A uniform double in [0, 1) that depends only on the text of `expression`:
   the first 48 bits of its md5 digest. The bootstrap draws its resampling
   weights from it, so the same units and seed give the same interval on
   every run, thread count and engine. #}
{% macro uniform_from_text(expression) -%}
    {{ return(adapter.dispatch('uniform_from_text', 'tenant_kpis')(expression)) }}
{%- endmacro %}

{% macro default__uniform_from_text(expression) -%}
    cast(cast(('0x' || substr(md5({{ expression }}), 1, 12)) as bigint) as {{ dbt.type_float() }}) / 281474976710656.0
{%- endmacro %}

{% macro postgres__uniform_from_text(expression) -%}
    cast(('x' || substr(md5({{ expression }}), 1, 12))::bit(48)::bigint as double precision) / 281474976710656.0
{%- endmacro %}


{% macro spark__uniform_from_text(expression) -%}
    cast(conv(substr(md5({{ expression }}), 1, 12), 16, 10) as double) / 281474976710656.0D
{%- endmacro %}


{# The integers 0 .. 10^digits - 1 as column `series_value`, from cross
   joins of the ten digits: portable, and cheap for the four digits used. #}
{% macro integer_series(digits=4) -%}
    select
        {%- for position in range(digits) %}
            {{ '+ ' if not loop.first }}digit_{{ position }}.digit * {{ 10 ** position }}
        {%- endfor %} as series_value
    {%- for position in range(digits) %}
        {{ 'from' if loop.first else 'cross join' }} (
            select 0 as digit union all select 1 union all select 2 union all select 3
            union all select 4 union all select 5 union all select 6 union all select 7
            union all select 8 union all select 9
        ) as digit_{{ position }}
    {%- endfor %}
{%- endmacro %}

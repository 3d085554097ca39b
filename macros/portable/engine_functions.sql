{#
    on-run-start hook: helper functions an engine lacks, created before any
    model runs. Only PostgreSQL needs any: a non-raising JSON parse (15 has
    no `IS JSON`), a checked UTC conversion, ln(Gamma) (lgamma from 18). They live in the staging schema, the only layer that
    parses raw text, and are replaced on every run (idempotent).
#}
{% macro create_engine_functions() %}
    {% if not execute %}
        {% do return('') %}
    {% endif %}
    {% do return(adapter.dispatch('create_engine_functions', 'tenant_kpis')()) %}
{% endmacro %}

{% macro default__create_engine_functions() %}
    {% do return('') %}
{% endmacro %}

{% macro postgres__create_engine_functions() %}
    {% set schema = engine_function_schema() %}
    {% set sql %}
        create schema if not exists {{ schema }};

        -- null for invalid JSON instead of an error
        create or replace function {{ schema }}.try_parse_json(value text)
        returns json
        -- an exception block opens a subtransaction: not in parallel workers
        language plpgsql immutable parallel unsafe
        as $function$
        begin
            return value::json;
        exception when others then
            return null;
        end;
        $function$;

        -- the values of top-level keys of a JSON object as text (null when
        -- the text is not a valid JSON object); parsed once per row
        create or replace function {{ schema }}.try_json_object_strings(value text, keys text[])
        returns text[]
        language plpgsql immutable parallel unsafe
        as $function$
        declare
            -- jsonb: parsed once, then each key is a lookup (json re-parses per key)
            parsed jsonb;
            key text;
            strings text[] := '{}';
        begin
            if value is null then
                return null;
            end if;
            begin
                parsed := value::jsonb;
            exception when others then
                return null;
            end;
            if jsonb_typeof(parsed) <> 'object' then
                return null;
            end if;
            -- a loop of simple expressions, not a query: 10x faster per row
            foreach key in array keys loop
                strings := strings || (parsed ->> key);
            end loop;
            return strings;
        end;
        $function$;

        -- ln(Gamma(x)) for x > 0 (lgamma arrives in PostgreSQL 18): the
        -- Stirling series from x >= 10, a smaller x shifted up first with
        -- ln Gamma(x) = ln Gamma(x + 1) - ln x; about 1e-15 relative, as the
        -- C library's lgamma DuckDB calls
        create or replace function {{ schema }}.log_gamma(value double precision)
        returns double precision
        language plpgsql immutable strict parallel safe
        as $function$
        declare
            x double precision := value;
            shifted double precision := 0;
            inverse_square double precision;
        begin
            if x <= 0 then
                return null;
            end if;
            while x < 10 loop
                shifted := shifted + ln(x);
                x := x + 1;
            end loop;
            inverse_square := 1 / (x * x);
            return (x - 0.5) * ln(x) - x + 0.91893853320467274178032973640562
                + (1.0 / 12 - inverse_square * (1.0 / 360 - inverse_square * (1.0 / 1260
                    - inverse_square * (1.0 / 1680 - inverse_square * (1.0 / 1188
                    - inverse_square * (691.0 / 360360 - inverse_square / 156)))))) / x
                - shifted;
        end;
        $function$;

        -- an ISO-8601 timestamp string as naive UTC, null when it is not one:
        -- the forms DuckDB's cast accepts (date; optional time, seconds and
        -- fraction, cut to microseconds as DuckDB does; optional offset Z,
        -- +hh, +hhmm or +hh:mm after the time). Checked before the cast,
        -- which would raise; converted to UTC whatever the session time
        -- zone. (Regular expressions without capture groups: PostgreSQL's
        -- capturing matcher is two orders of magnitude slower.)
        create or replace function {{ schema }}.iso_timestamp_to_utc(value text)
        returns timestamp
        language plpgsql immutable parallel safe
        as $function$
        declare
            text_value text := trim(value);
            year integer;
            month integer;
            day integer;
            hour integer := 0;
            minute integer := 0;
            second integer := 0;
            fraction text;
            utc_offset text;
            wall_clock text;
        begin
            if text_value is null or text_value !~ (
                '^[0-9]{4}-[0-9]{2}-[0-9]{2}'
                || '([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$'
            ) then
                return null;
            end if;
            year := substr(text_value, 1, 4)::integer;
            month := substr(text_value, 6, 2)::integer;
            day := substr(text_value, 9, 2)::integer;
            if length(text_value) > 10 then
                hour := substr(text_value, 12, 2)::integer;
                minute := substr(text_value, 15, 2)::integer;
                if substr(text_value, 17, 1) = ':' then
                    second := substr(text_value, 18, 2)::integer;
                end if;
                fraction := substring(text_value from '[.][0-9]+');
                utc_offset := substring(substr(text_value, 17) from '(?:Z|z|[+-][0-9]{2}(?::?[0-9]{2})?)$');
            end if;
            if year < 1 or month not between 1 and 12 or day < 1
                or day > extract(day from (make_date(year, month, 1) + interval '1 month' - interval '1 day'))
                or hour > 24 or minute > 59 or second > 59
                or (hour = 24 and (minute > 0 or second > 0 or coalesce(fraction, '') ~ '[1-9]'))
                or (
                    utc_offset not in ('Z', 'z')
                    and (
                        substr(utc_offset, 2, 2)::integer > 15
                        or (length(utc_offset) > 3 and right(utc_offset, 2)::integer > 59)
                    )
                )
            then
                return null;
            end if;
            wall_clock := substr(text_value, 1, 10) || ' ' || lpad(hour::text, 2, '0') || ':'
                || lpad(minute::text, 2, '0') || ':' || lpad(second::text, 2, '0')
                || coalesce(left(fraction, 7), '');
            if utc_offset is null then
                return wall_clock::timestamp;
            end if;
            return (wall_clock || case when utc_offset in ('Z', 'z') then '+00' else utc_offset end)::timestamptz
                at time zone 'UTC';
        end;
        $function$;
    {% endset %}
    {% do run_query(sql) %}
    {% do return('') %}
{% endmacro %}


{#- The schema holding the engine's helper functions. -#}
{% macro engine_function_schema() -%}
    {{ return('staging') }}
{%- endmacro %}


{#- A helper function created by create_engine_functions(), qualified. -#}
{% macro engine_function(name) -%}
    {{ engine_function_schema() }}.{{ name }}
{%- endmacro %}


{#
    Model pre-hook (dbt_project.yml): session settings an engine needs for
    this project's queries. PostgreSQL: no JIT compilation. A staging model
    is one large query with many expressions; JIT spends more time
    compiling it than it saves (35 s of 76 s on 380k events), and every
    model runs once per build.
#}
{% macro engine_session_settings() -%}
    {{ return(adapter.dispatch('engine_session_settings', 'tenant_kpis')()) }}
{%- endmacro %}

{% macro default__engine_session_settings() -%}
{%- endmacro %}

{% macro postgres__engine_session_settings() -%}
    set jit = off
{%- endmacro %}

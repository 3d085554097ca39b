{#
    on-run-start hook (DuckDB only): expose the nine raw files as views in
    the `raw` schema so that `source()` works the same as on a warehouse.

    For each table of `raw_contract()`:
      - find `<table>.parquet`, else `<table>.csv`, in var('raw_dir')
        (relative paths resolve against the project directory);
      - stop the build if the file is missing or lacks a required column,
        with a message naming the table, the column and the file;
      - create `raw.<table>` with the contract's columns only, as text: extra
        columns are dropped, missing optional columns become typed nulls. CSV
        is read as all-varchar with a header row, so keys stay strings, and a
        typed Parquet value is rendered as text, exactly as `tenant-kpis
        load` renders it for a warehouse: staging sees the same text on
        every engine (and a quarantined row's payload is the same JSON).

    On any other adapter this is a no-op: the raw schema is loaded by the
    warehouse's ingestion. `dbt seed` does not need the raw files, so it
    skips the registration.
#}
{% macro register_raw_sources() %}
    {% if not execute or target.type != 'duckdb' %}
        {% do return('') %}
    {% endif %}
    {% if flags.WHICH in ['seed', 'parse', 'list', 'ls', 'clean', 'deps', 'debug'] %}
        {% do return('') %}
    {% endif %}

    {% set raw_dir = resolve_raw_dir() %}
    {% do run_query('create schema if not exists raw') %}

    {% for table_name, spec in raw_contract().items() %}
        {% set file_path = find_raw_file(raw_dir, table_name) %}
        {% set reader = raw_file_reader(file_path) %}
        {% set present = {} %}
        {% for row in run_query('describe select * from ' ~ reader) %}
            {% do present.update({row[0] | trim | lower: row[0]}) %}
        {% endfor %}

        {% set select_list = [] %}
        {% for column in spec['columns'] %}
            {% if column['name'] in present %}
                {% do select_list.append(
                    'cast(' ~ adapter.quote(present[column['name']]) ~ ' as varchar) as ' ~ column['name']
                ) %}
            {% elif column['required'] %}
                {% do exceptions.raise_compiler_error(
                    "raw table '" ~ table_name ~ "' is missing required column '"
                    ~ column['name'] ~ "' (file " ~ file_path ~ ")"
                ) %}
            {% else %}
                {% do select_list.append(
                    'cast(null as ' ~ column['type'] ~ ') as ' ~ column['name']
                ) %}
            {% endif %}
        {% endfor %}

        {% do run_query(
            'create or replace view raw.' ~ table_name ~ ' as select '
            ~ select_list | join(', ') ~ ' from ' ~ reader
        ) %}
    {% endfor %}
    {% do return('') %}
{% endmacro %}


{# The raw directory as an absolute path (relative paths: project directory). #}
{% macro resolve_raw_dir() %}
    {% set raw_dir = var('raw_dir', 'data/raw') | string | trim %}
    {% if raw_dir == '' %}
        {% set raw_dir = 'data/raw' %}
    {% endif %}
    {% if not raw_dir.startswith('/') %}
        {% set project_dir = flags.PROJECT_DIR or '.' %}
        {% set raw_dir = project_dir ~ '/' ~ raw_dir %}
    {% endif %}
    {% do return(raw_dir.rstrip('/')) %}
{% endmacro %}


{# The file holding a raw table: Parquet first, then CSV; error if neither. #}
{% macro find_raw_file(raw_dir, table_name) %}
    {% for extension in ['parquet', 'csv'] %}
        {% set pattern = raw_dir ~ '/' ~ table_name ~ '.' ~ extension %}
        {% set found = run_query("select file from glob('" ~ pattern | replace("'", "''") ~ "')") %}
        {% if found | length > 0 %}
            {% do return(found[0][0]) %}
        {% endif %}
    {% endfor %}
    {% do exceptions.raise_compiler_error(
        "raw table '" ~ table_name ~ "' not found: expected " ~ table_name ~ ".parquet or "
        ~ table_name ~ ".csv in directory " ~ raw_dir
        ~ " (set TENANT_KPIS_RAW_DIR or var raw_dir)"
    ) %}
{% endmacro %}


{# The DuckDB table function reading one raw file. #}
{% macro raw_file_reader(file_path) %}
    {% set quoted = "'" ~ file_path | replace("'", "''") ~ "'" %}
    {% if file_path.endswith('.parquet') %}
        {% do return('read_parquet(' ~ quoted ~ ')') %}
    {% else %}
        {% do return('read_csv(' ~ quoted ~ ', header = true, all_varchar = true)') %}
    {% endif %}
{% endmacro %}

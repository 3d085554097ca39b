{#
    `dbt run-operation export_raw_as_text --target lint --args '{export_dir: DIR}'`
    (run by `tenant-kpis load`): the raw files of var('raw_dir'), checked and
    read by the DuckDB hook itself (register_raw_sources, on the in-memory
    `lint` target), written as one text-only CSV per raw table in
    export_dir for a warehouse's COPY. So a feed loaded into PostgreSQL
    passes exactly the checks of a DuckDB build (missing file or column,
    RFC 4180 lines, Parquet types, partitions), with the same one-line
    errors, and its values are the same text the DuckDB raw views give
    staging. Prints the raw contract as one line of JSON first.
    `file_format: parquet` writes `<table>.parquet` (every column text) for
    Spark, whose raw tables are external tables over those files.
#}
{% macro export_raw_as_text(export_dir, file_format='csv') %}
    {% if target.type != 'duckdb' %}
        {% do exceptions.raise_compiler_error(
            'export_raw_as_text reads the raw files with DuckDB: run it with --target lint'
        ) %}
    {% endif %}
    {% do print_raw_contract() %}
    {#- a Parquet timestamp with time zone is rendered in UTC -#}
    {% do run_query("set TimeZone = 'UTC'") %}
    {% do duckdb__register_raw_sources() %}
    {% for table_name, spec in raw_contract().items() %}
        {#- the contract's columns only: a partitioned delivery's load_date stays on DuckDB -#}
        {% set column_names = [] %}
        {% for column in spec['columns'] %}
            {% do column_names.append(column['name']) %}
        {% endfor %}
        {% if file_format == 'parquet' %}
            {% do run_query(
                'copy (select ' ~ column_names | join(', ') ~ ' from raw.' ~ table_name ~ ') to '
                ~ raw_sql_string(export_dir ~ '/' ~ table_name ~ '.parquet')
                ~ ' (format parquet)'
            ) %}
        {% else %}
            {#- force_quote: a quoted "" is an empty string, an unquoted empty field is null -#}
            {% do run_query(
                'copy (select ' ~ column_names | join(', ') ~ ' from raw.' ~ table_name ~ ') to '
                ~ raw_sql_string(export_dir ~ '/' ~ table_name ~ '.csv')
                ~ ' (format csv, header false, force_quote *)'
            ) %}
        {% endif %}
    {% endfor %}
{% endmacro %}

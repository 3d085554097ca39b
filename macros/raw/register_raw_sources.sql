{#
    on-run-start hook: expose the nine raw files as views in the `raw` schema
    so that `source()` works the same as on a warehouse. Dispatched: a no-op
    by default (on a warehouse the raw schema is loaded by its ingestion),
    the DuckDB target reads the files in place.

    For each table of `raw_contract()` the DuckDB implementation:
      - finds its delivery in var('raw_dir') (relative paths resolve against
        the project directory): `<table>.parquet`, `<table>.csv` or, where
        the contract allows it (events), a directory of Parquet partitions
        `<table>/load_date=YYYY-MM-DD/*.parquet`. Two deliveries of one table
        are an error naming both;
      - refuses a 0-byte file;
      - CSV: reads the header row and checks every line against RFC 4180 as
        written (comma, double quote, double quote escaped by doubling,
        UTF-8, a header row): nothing is sniffed, so a stray quote cannot
        silently turn the file into something else. A line that does not
        parse stops the build, naming the file, the line and the column,
        never the line's content;
      - Parquet: checks each contract column's type in every file against
        its kind (a timestamp delivered as epoch integers, a key delivered
        as a number). A wrong type stops the build unless the column holds
        no value at all, in which case it is read as missing;
      - stops the build if a required column is missing;
      - a partitioned delivery also gets `load_date` (the partition's date,
        text) in `raw.<table>`, and `raw.<table>_partitions` lists its
        partitions with their row counts from the Parquet footers (no scan;
        empty for a single-file delivery): an incremental load reads only the
        partitions it has not loaded, and the row accounting compares;
      - creates `raw.<table>` with the contract's columns only, as text:
        extra columns are dropped, missing optional columns become typed
        nulls. CSV is read as text, so keys stay strings, and a typed Parquet
        value is rendered as text, exactly as `tenant-kpis load` renders it
        for a warehouse (it runs this macro on an in-memory DuckDB and copies
        the views): staging sees the same text on every engine, and a
        quarantined row's payload is the same JSON.
    Every error is one line: "raw table '<table>' ... (file <path>)".
    `dbt seed` (and commands that run no SQL) do not need the raw files.
#}
{% macro register_raw_sources() %}
    {{ return(adapter.dispatch('register_raw_sources', 'tenant_kpis')()) }}
{% endmacro %}

{#- Whether this dbt command reads the raw tables: not at parse time, and
    not for commands that never select from them (seeds, listing, docs of
    the project), which must work without a raw delivery. Nor in the second
    dbt phase of `tenant-kpis build` (src/tenant_kpis/build.py sets
    TENANT_KPIS_RAW_REGISTERED to its build id): the first phase registered
    and checked the raw views of this build, and the views persist; the
    checks read every CSV line and Parquet footer again (1.6 s on 1,461
    partitions). Read at run time only, so it never makes dbt re-parse. -#}
{% macro raw_sources_needed() %}
    {{ return(
        execute
        and flags.WHICH not in ['seed', 'parse', 'list', 'ls', 'clean', 'deps', 'debug']
        and env_var('TENANT_KPIS_RAW_REGISTERED', '') | trim == ''
    ) }}
{% endmacro %}

{% macro default__register_raw_sources() %}
    {{ return('') }}
{% endmacro %}

{% macro duckdb__register_raw_sources() %}
    {% if not raw_sources_needed() %}
        {% do return('') %}
    {% endif %}

    {% set raw_dir = resolve_raw_dir() %}
    {% do run_statement('create schema if not exists raw') %}

    {% for table_name, spec in raw_contract().items() %}
        {% set delivery = find_raw_delivery(raw_dir, table_name, spec) %}
        {% do check_raw_files_not_empty(table_name, delivery) %}

        {% set select_list = [] %}
        {% if delivery['files'] | length == 0 %}
            {#- a partition directory with no file yet: an empty table -#}
            {% for column in spec['columns'] %}
                {% do select_list.append('cast(null as ' ~ column['type'] ~ ') as ' ~ column['name']) %}
            {% endfor %}
            {% set relation_sql = 'select ' ~ select_list | join(', ') ~ ' where false' %}
        {% else %}
            {% if delivery['format'] == 'csv' %}
                {% set present = csv_raw_columns(table_name, delivery, spec) %}
            {% else %}
                {% set present = parquet_raw_columns(table_name, delivery, spec) %}
            {% endif %}
            {% for column in spec['columns'] %}
                {% if column['name'] in present %}
                    {#- as text, as `tenant-kpis load` writes it on a warehouse -#}
                    {% do select_list.append(
                        'cast(' ~ adapter.quote(present[column['name']]) ~ ' as varchar) as ' ~ column['name']
                    ) %}
                {% elif column['required'] %}
                    {% do raise_raw_error(
                        table_name,
                        "is missing required column '" ~ column['name'] ~ "'"
                        ~ delivery.get('missing_column_hint', ''),
                        delivery['label']
                    ) %}
                {% else %}
                    {% do select_list.append(
                        'cast(null as ' ~ column['type'] ~ ') as ' ~ column['name']
                    ) %}
                {% endif %}
            {% endfor %}
            {% if delivery.get('partitioned') %}
                {#- the partition's load date (hive column): a constant filter on it prunes files -#}
                {% do select_list.append('load_date') %}
            {% endif %}
            {% set relation_sql = 'select ' ~ select_list | join(', ') ~ ' from ' ~ delivery['reader'] %}
        {% endif %}
        {% do run_statement('create or replace view raw.' ~ table_name ~ ' as ' ~ relation_sql) %}
        {% if spec.get('directory') %}
            {% do duckdb__register_raw_partitions(table_name, delivery) %}
        {% endif %}
    {% endfor %}
    {% do return('') %}
{% endmacro %}


{#
    Stop the build with one line naming the raw table, the problem and the
    file. Raised as dbt's runtime error: the terminal shows "Runtime Error in
    operation ...-on-run-start-0" and this line, without the Jinja macro
    call stack a compilation error prints after it.
#}
{% macro raise_raw_error(table_name, problem, file_label=none) %}
    {% do exceptions.raise_dependency_error(
        "raw table '" ~ table_name ~ "' " ~ problem
        ~ (" (file " ~ file_label ~ ")" if file_label else "")
    ) %}
{% endmacro %}


{# The raw directory as an absolute path (relative paths: project directory). #}
{% macro resolve_raw_dir() %}
    {% set raw_dir = var('raw_dir', env_var('TENANT_KPIS_RAW_DIR', 'data/raw')) | string | trim %}
    {% if raw_dir == '' %}
        {% set raw_dir = 'data/raw' %}
    {% endif %}
    {% if not raw_dir.startswith('/') %}
        {% set project_dir = flags.PROJECT_DIR or '.' %}
        {% set raw_dir = project_dir ~ '/' ~ raw_dir %}
    {% endif %}
    {% do return(raw_dir.rstrip('/')) %}
{% endmacro %}


{# A path as a DuckDB string literal. #}
{% macro raw_sql_string(text) %}
    {% do return("'" ~ text | replace("'", "''") ~ "'") %}
{% endmacro %}


{#
    Where a raw table is delivered: a dict with `format` (parquet or csv),
    `files` (the data files), `label` (what error messages call it) and,
    once a reader is chosen, `reader`. Exactly one of `<table>.parquet`,
    `<table>.csv` and (tables with `directory: true`) `<table>/` may exist.
#}
{% macro find_raw_delivery(raw_dir, table_name, spec) %}
    {% set found = [] %}
    {% for extension in ['parquet', 'csv'] %}
        {% set path = raw_dir ~ '/' ~ table_name ~ '.' ~ extension %}
        {% if run_query('select file from glob(' ~ raw_sql_string(path) ~ ')') | length > 0 %}
            {% do found.append({'format': extension, 'files': [path], 'label': path}) %}
        {% endif %}
    {% endfor %}
    {% if spec.get('directory') %}
        {% set directory = raw_dir ~ '/' ~ table_name %}
        {#- glob lists directories only with a trailing slash -#}
        {% if run_query('select file from glob(' ~ raw_sql_string(directory ~ '/**/') ~ ')') | length > 0 %}
            {% do found.append({
                'format': 'parquet',
                'files': raw_partition_files(table_name, directory),
                'label': directory ~ '/',
                'partitioned': true,
            }) %}
        {% endif %}
    {% endif %}

    {% if found | length > 1 %}
        {% set labels = [] %}
        {% for delivery in found %}
            {% do labels.append(delivery['label']) %}
        {% endfor %}
        {% do raise_raw_error(table_name, "is delivered more than once: " ~ labels | join(' and ') ~ "; keep one") %}
    {% elif found | length == 0 %}
        {% do raise_raw_error(
            table_name,
            "not found: expected " ~ table_name ~ ".parquet or " ~ table_name ~ ".csv"
            ~ (" or a directory " ~ table_name ~ "/ of load_date=YYYY-MM-DD partitions" if spec.get('directory') else "")
            ~ " in directory " ~ raw_dir ~ " (set TENANT_KPIS_RAW_DIR or var raw_dir)"
        ) %}
    {% endif %}
    {% do return(found[0]) %}
{% endmacro %}


{#
    The Parquet files of a partitioned delivery, sorted. Files and
    directories whose name starts with `_` or `.` (Spark's `_SUCCESS`,
    checksum files) are not data; any other file outside
    `load_date=YYYY-MM-DD/<name>.parquet` is an error, so that no file is
    silently left out.
#}
{% macro raw_partition_files(table_name, directory) %}
    {% set layout = modules.re.compile('^load_date=[0-9]{4}-[0-9]{2}-[0-9]{2}/[^/]+\\.parquet$') %}
    {% set files = [] %}
    {% for row in run_query('select file from glob(' ~ raw_sql_string(directory ~ '/**') ~ ') order by file') %}
        {% set relative = row[0][directory | length + 1:] %}
        {% set hidden = [] %}
        {% for part in relative.split('/') %}
            {% if part.startswith('_') or part.startswith('.') %}
                {% do hidden.append(part) %}
            {% endif %}
        {% endfor %}
        {% if hidden | length == 0 %}
            {% if not layout.match(relative) %}
                {% do raise_raw_error(
                    table_name,
                    "has a file outside the partition layout " ~ table_name
                    ~ "/load_date=YYYY-MM-DD/<name>.parquet",
                    row[0]
                ) %}
            {% endif %}
            {% do files.append(row[0]) %}
        {% endif %}
    {% endfor %}
    {% do return(files) %}
{% endmacro %}


{#
    `raw.<table>_partitions`: one row per load_date partition of a
    partitioned delivery with its rows (Parquet footers: file metadata, no
    data scan); no row for a single-file delivery. A partition directory
    whose name is not a real date (load_date=2024-13-40) stops the build.
    Part of duckdb__register_raw_sources (DuckDB's parquet_file_metadata).
#}
{% macro duckdb__register_raw_partitions(table_name, delivery) %}
    {% set partitions_view = 'raw.' ~ table_name ~ '_partitions' %}
    {% if delivery.get('partitioned') and delivery['files'] | length > 0 %}
        {% set file_list = [] %}
        {% for path in delivery['files'] %}
            {% do file_list.append(raw_sql_string(path)) %}
        {% endfor %}
        {% set partition_date = "regexp_extract(file_name, '/load_date=([0-9]{4}-[0-9]{2}-[0-9]{2})/[^/]+$', 1)" %}
        {% set files_sql = 'parquet_file_metadata([' ~ file_list | join(', ') ~ '])' %}
        {% set invalid = run_query(
            'select min(file_name) from ' ~ files_sql ~ ' where try_cast(' ~ partition_date ~ ' as date) is null'
        )[0][0] %}
        {% if invalid is not none %}
            {% do raise_raw_error(table_name, "has a partition whose load_date is not a date (YYYY-MM-DD)", invalid) %}
        {% endif %}
        {% do run_statement(
            'create or replace view ' ~ partitions_view ~ ' as select cast(' ~ partition_date ~ ' as date) as load_date,'
            ~ ' cast(sum(num_rows) as bigint) as rows_raw from ' ~ files_sql ~ ' group by 1'
        ) %}
    {% else %}
        {% do run_statement(
            'create or replace view ' ~ partitions_view
            ~ ' as select cast(null as date) as load_date, cast(null as bigint) as rows_raw where false'
        ) %}
    {% endif %}
{% endmacro %}


{# A 0-byte file is neither a CSV with a header nor a Parquet file. #}
{% macro check_raw_files_not_empty(table_name, delivery) %}
    {% if delivery['files'] | length == 0 %}
        {% do return('') %}
    {% endif %}
    {% set file_list = [] %}
    {% for path in delivery['files'] %}
        {% do file_list.append(raw_sql_string(path)) %}
    {% endfor %}
    {#- read_blob reads the content only when it is selected -#}
    {% set empty_files = run_query(
        'select filename from read_blob([' ~ file_list | join(', ') ~ ']) where size = 0 order by filename'
    ) %}
    {% if empty_files | length > 0 %}
        {% do raise_raw_error(
            table_name,
            "is an empty file (0 bytes): expected "
            ~ ("a header row" if delivery['format'] == 'csv' else "a Parquet file"),
            empty_files[0][0]
        ) %}
    {% endif %}
{% endmacro %}


{#
    Spark: `tenant-kpis load RAW_DIR --target spark` checks the raw files
    with the DuckDB implementation above (the same contract, checks and
    one-line errors) and writes each table as a text-only Parquet file in
    var('spark_raw_dir') (`<table>/part-0.parquet`); this hook declares
    `raw.<table>` as an external table over each directory (metadata only: nothing is copied). Spark's own CSV
    reader cannot tell a quoted empty field from a missing one, and renders
    typed Parquet values as text differently from DuckDB, hence the
    conversion.
#}
{% macro spark__register_raw_sources() %}
    {% if not raw_sources_needed() %}
        {% do return('') %}
    {% endif %}
    {% set raw_dir = var('spark_raw_dir') | string | trim %}
    {% if not raw_dir.startswith('/') and ':' not in raw_dir %}
        {% set raw_dir = (flags.PROJECT_DIR or '.') ~ '/' ~ raw_dir %}
    {% endif %}
    {% do run_statement('create schema if not exists raw') %}
    {% for table_name in raw_contract() %}
        {% set path = raw_dir.rstrip('/') ~ '/' ~ table_name %}
        {% do run_statement('drop table if exists raw.' ~ table_name) %}
        {% do run_statement(
            'create table raw.' ~ table_name ~ ' using parquet location '
            ~ "'" ~ path | replace('\\', '\\\\') | replace("'", "\\'") ~ "'"
        ) %}
    {% endfor %}
    {% do return('') %}
{% endmacro %}

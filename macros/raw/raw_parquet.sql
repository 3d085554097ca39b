{#
    Parquet deliveries on DuckDB: one file, or the partition files of a
    directory delivery. A Parquet column has a type of its own, so each
    contract column is checked in every file against its kind before any
    model reads it. A column whose type cannot hold its kind (a timestamp
    delivered as epoch integers, a key delivered as a number) is a schema
    violation and stops the build, unless the column holds no value at all
    (pandas writes an all-empty column as the null type or as double): such
    a column is read as missing. Failing loudly is the careful choice: a
    guessed conversion (seconds or milliseconds since when?) would stage
    wrong values silently, and quarantining every row would hide the cause.
#}

{#
    The contract columns the files have, as {contract name: column name in
    the files}. Sets delivery['reader'] to the read_parquet call of the raw
    view (several files are combined by column name).
#}
{% macro parquet_raw_columns(table_name, delivery, spec) %}
    {% set files = delivery['files'] %}
    {% set file_list = [] %}
    {% for path in files %}
        {% do file_list.append(raw_sql_string(path)) %}
    {% endfor %}
    {% set files_sql = '[' ~ file_list | join(', ') ~ ']' %}
    {% set kinds = {} %}
    {% for column in spec['columns'] %}
        {% do kinds.update({column['name']: column['kind']}) %}
    {% endfor %}

    {% set present = {} %}
    {% set readable_in = {} %}
    {% for column in parquet_column_types(files_sql) %}
        {% set contract_name = column['name'] | trim | lower %}
        {% if contract_name in kinds %}
            {% if contract_name not in present %}
                {% do present.update({contract_name: column['name']}) %}
                {% do readable_in.update({contract_name: 0}) %}
            {% endif %}
            {% if raw_type_fits_kind(column['type'], kinds[contract_name]) %}
                {% do readable_in.update({contract_name: readable_in[contract_name] + column['files']}) %}
            {% else %}
                {% for file in parquet_files_with_column_type(files_sql, column) %}
                    {% set values = run_query(
                        'select count(' ~ adapter.quote(column['name']) ~ ') from read_parquet('
                        ~ raw_sql_string(file) ~ ')'
                    )[0][0] %}
                    {% if values > 0 %}
                        {% do raise_raw_error(
                            table_name,
                            "column '" ~ contract_name ~ "' is " ~ (column['type'] or 'a nested type')
                            ~ " in Parquet, but the contract needs " ~ raw_kind_wording(kinds[contract_name]),
                            file
                        ) %}
                    {% endif %}
                {% endfor %}
            {% endif %}
        {% endif %}
    {% endfor %}

    {#- a column without a value and without a usable type in any file is missing -#}
    {% for contract_name, readable_files in readable_in.items() %}
        {% if readable_files == 0 %}
            {% do present.pop(contract_name) %}
        {% endif %}
    {% endfor %}

    {% if delivery.get('partitioned') %}
        {#- hive partitioning exposes load_date (as text) and prunes files on a filter on it -#}
        {% set reader = 'read_parquet(' ~ files_sql ~ ", union_by_name = true, hive_partitioning = true, hive_types = {'load_date': varchar})" %}
    {% elif files | length == 1 %}
        {% set reader = 'read_parquet(' ~ file_list[0] ~ ', hive_partitioning = false)' %}
    {% else %}
        {#- partitions may differ in column order or optional columns -#}
        {% set reader = 'read_parquet(' ~ files_sql ~ ', union_by_name = true, hive_partitioning = false)' %}
    {% endif %}
    {% do delivery.update({'reader': reader}) %}
    {% do return(present) %}
{% endmacro %}


{#
    The top-level columns of the files, one entry per distinct (name, type):
    {name, type, files (how many files have it), file (the first of them)},
    in the order of the first file that has each (its spelling of a name
    wins). Files without nested columns (every delivery this project
    writes) are grouped in SQL, so a delivery of thousands of partitions
    costs one footer read and a few rows, not a row per file and column
    turned into Jinja objects (1.6 s at 1,461 partitions on an idle
    machine, 7.9 s under load); a file with a nested column is walked on
    its own (parquet_top_level_columns).
#}
{% macro parquet_column_types(files_sql) %}
    {% set grouped = run_query(
        'with ' ~ parquet_schema_elements_sql(files_sql) ~ ','
        ~ ' nested_files as (select distinct file_name from elements where position > 1 and children > 0)'
        ~ ' select name, duckdb_type, min(file_name) as first_file, min(position) as position, count(*) as files'
        ~ ' from elements where position > 1 and file_name not in (select nested_files.file_name from nested_files)'
        ~ ' group by name, duckdb_type'
        ~ ' union all select null, null, file_name, null, null from nested_files'
        ~ ' order by 3, 4'
    ) %}
    {% set columns = [] %}
    {% for name, duckdb_type, file, position, files in grouped %}
        {% if files is none %}
            {% for column in parquet_top_level_columns('[' ~ raw_sql_string(file) ~ ']') %}
                {% do columns.append({'name': column['name'], 'type': column['type'], 'files': 1, 'file': file}) %}
            {% endfor %}
        {% else %}
            {% do columns.append({'name': name, 'type': duckdb_type, 'files': files, 'file': file}) %}
        {% endif %}
    {% endfor %}
    {% do return(columns) %}
{% endmacro %}


{#
    `elements as (...)`: the schema elements of the files with their
    position in their file (1: the root, whose children are the columns).
#}
{% macro parquet_schema_elements_sql(files_sql) %}
    {% do return(
        'elements as (select file_name, name, duckdb_type, coalesce(num_children, 0) as children,'
        ~ ' row_number() over (partition by file_name order by column_id) as position'
        ~ ' from parquet_schema(' ~ files_sql ~ '))'
    ) %}
{% endmacro %}


{#
    The files that have a column entry of parquet_column_types (its name
    with its type), sorted: a column whose type does not fit is checked for
    values file by file, so the error names the file that holds them.
#}
{% macro parquet_files_with_column_type(files_sql, column) %}
    {% if column['files'] == 1 %}
        {% do return([column['file']]) %}
    {% endif %}
    {% set type_match = 'duckdb_type is null' if column['type'] is none
        else 'duckdb_type = ' ~ raw_sql_string(column['type']) %}
    {% set rows = run_query(
        'with ' ~ parquet_schema_elements_sql(files_sql)
        ~ ' select distinct file_name from elements where position > 1'
        ~ ' and file_name not in (select file_name from elements where position > 1 and children > 0)'
        ~ ' and name = ' ~ raw_sql_string(column['name']) ~ ' and ' ~ type_match ~ ' order by 1'
    ) %}
    {% set files = [] %}
    {% for row in rows %}
        {% do files.append(row[0]) %}
    {% endfor %}
    {% do return(files) %}
{% endmacro %}


{#
    The top-level columns of each file, as a list of {file, name, type}
    (type: DuckDB's type name, none for a nested column). parquet_schema
    lists every schema element depth first, with its number of children;
    the elements at depth 1 are the columns.
#}
{% macro parquet_top_level_columns(files_sql) %}
    {% set elements = run_query(
        'select file_name, name, coalesce(num_children, 0) as children, duckdb_type'
        ~ ' from parquet_schema(' ~ files_sql ~ ') order by file_name, column_id'
    ) %}
    {% set columns = [] %}
    {% set state = namespace(file=none, open_groups=[]) %}
    {% for file_name, name, children, duckdb_type in elements %}
        {% if file_name != state.file %}
            {% set state.file = file_name %}
            {% set state.open_groups = [] %}
        {% endif %}
        {% if state.open_groups | length == 1 %}
            {% do columns.append({
                'file': file_name,
                'name': name,
                'type': duckdb_type if children == 0 else none,
            }) %}
        {% endif %}
        {#- this element fills one slot of its parent; a group opens its own -#}
        {% if state.open_groups | length > 0 %}
            {% do state.open_groups.append(state.open_groups.pop() - 1) %}
        {% endif %}
        {% if children > 0 %}
            {% do state.open_groups.append(children) %}
        {% endif %}
        {% for _ in range(state.open_groups | length) %}
            {% if state.open_groups | length > 0 and state.open_groups[-1] == 0 %}
                {% do state.open_groups.pop() %}
            {% endif %}
        {% endfor %}
    {% endfor %}
    {% do return(columns) %}
{% endmacro %}


{# Whether a Parquet column of this DuckDB type can hold a contract column of this kind. #}
{% macro raw_type_fits_kind(duckdb_type, kind) %}
    {% if duckdb_type is none %}
        {% do return(false) %}
    {% endif %}
    {% set type_name = duckdb_type | upper %}
    {% set is_number = type_name.startswith('DECIMAL') or type_name in [
        'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT',
        'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT', 'FLOAT', 'DOUBLE'
    ] %}
    {% if kind == 'key' %}
        {% do return(type_name == 'VARCHAR') %}
    {% elif kind == 'json' %}
        {% do return(type_name in ['VARCHAR', 'JSON']) %}
    {% elif kind == 'timestamp' %}
        {% do return(type_name in ['VARCHAR', 'DATE'] or type_name.startswith('TIMESTAMP')) %}
    {% elif kind in ['integer', 'decimal'] %}
        {% do return(is_number or type_name == 'VARCHAR') %}
    {% else %}
        {% do return(type_name not in ['"NULL"', 'NULL']) %}
    {% endif %}
{% endmacro %}


{# What the contract expects of a column of this kind, for error messages. #}
{% macro raw_kind_wording(kind) %}
    {% do return({
        'key': 'a string (keys are strings, even when they look like numbers)',
        'text': 'text',
        'timestamp': 'a timestamp (a Parquet timestamp or date, or an ISO-8601 string)',
        'integer': 'an integer (a Parquet number or a numeric string)',
        'decimal': 'a number (a Parquet number or a numeric string)',
        'json': 'a JSON object as text (a string)',
    }.get(kind, kind)) %}
{% endmacro %}

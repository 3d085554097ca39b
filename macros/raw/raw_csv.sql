{#
    CSV deliveries on DuckDB: the dialect is RFC 4180 as written, never
    sniffed. A sniffer that guesses the quote or the delimiter from a sample
    can turn one stray quote into a file that parses "successfully" with
    every row shifted; a fixed dialect turns it into an error on its line.
#}

{# The read_csv options of the contract's CSV dialect. #}
{% macro csv_dialect_options() %}
    {% do return(
        "auto_detect = false, header = true, delim = ',', quote = '\"', escape = '\"',"
        ~ " encoding = 'utf-8', strict_mode = true, null_padding = false"
    ) %}
{% endmacro %}


{#
    The contract columns a CSV file has, as {contract name: column name in
    the reader}, after checking that the header and every line parse. Sets
    delivery['reader'] to the read_csv call of the raw view: every field
    read as text, columns named after the header (other columns get
    placeholder names and are dropped by the view).
#}
{% macro csv_raw_columns(table_name, delivery, spec) %}
    {% set path = delivery['files'][0] %}
    {% set header = csv_header(table_name, path) %}
    {% set contract_names = [] %}
    {% for column in spec['columns'] %}
        {% do contract_names.append(column['name']) %}
    {% endfor %}

    {% set present = {} %}
    {% set reader_columns = [] %}
    {% set header_names = {} %}
    {% for name in header %}
        {% if name in contract_names %}
            {% if name in present %}
                {% do raise_raw_error(table_name, "has column '" ~ name ~ "' twice in its header", path) %}
            {% endif %}
            {% do present.update({name: name}) %}
            {% set reader_name = name %}
        {% else %}
            {% set reader_name = '__extra_column_' ~ loop.index %}
        {% endif %}
        {% do reader_columns.append(reader_name) %}
        {% do header_names.update({reader_name: name}) %}
    {% endfor %}

    {#- a header without a required column may be line 2, line 1 not being UTF-8 -#}
    {% set missing = [] %}
    {% for column in spec['columns'] %}
        {% if column['required'] and column['name'] not in present %}
            {% do missing.append(column['name']) %}
        {% endif %}
    {% endfor %}
    {% if missing | length > 0 %}
        {% do check_csv_header_readable(table_name, path) %}
    {% endif %}

    {% set column_types = [] %}
    {% for reader_name in reader_columns %}
        {% do column_types.append(raw_sql_string(reader_name) ~ ": 'VARCHAR'") %}
    {% endfor %}
    {% set reader = 'read_csv(' ~ raw_sql_string(path) ~ ', ' ~ csv_dialect_options()
        ~ ', columns = {' ~ column_types | join(', ') ~ '})' %}
    {% do check_csv_lines(table_name, path, reader, reader_columns, header_names) %}

    {% if header | length == 1 %}
        {% do delivery.update({'missing_column_hint': '; the header row has a single field: the file must be comma-separated'}) %}
    {% endif %}
    {% do delivery.update({'reader': reader}) %}
    {% do return(present) %}
{% endmacro %}


{#
    The header row's field names, trimmed, unquoted and lower-cased. The
    first line is read whole (no quote, a delimiter that never occurs), so
    the header parses even when a later line does not. `parallel = false`:
    with several threads and preserve_insertion_order off (profiles.yml),
    `limit 1` returns an arbitrary line of a large file, not the first.
    `strict_mode = false`: without a quote character, a line break inside a
    later line's quoted field (a bare LF in a CRLF file, which RFC 4180
    allows and spreadsheets write) is a line end that strict mode rejects
    with a parser error for the whole file; the dialect check of every line
    (check_csv_lines) stays strict. A line that is not UTF-8 is skipped, not
    returned: see check_csv_header_readable.
#}
{% macro csv_header(table_name, path) %}
    {% set first_line = run_query(
        'select line from ' ~ csv_whole_lines_reader(path, 'raw_csv_header_rejects') ~ ' limit 1'
    ) %}
    {% if first_line | length == 0 or (first_line[0][0] or '') | trim == '' %}
        {% do check_csv_header_readable(table_name, path) %}
        {% do raise_raw_error(table_name, 'has no header row: expected the column names on line 1', path) %}
    {% endif %}

    {% set names = [] %}
    {% for field in first_line[0][0].split(',') %}
        {% do names.append(field | trim | replace('"', '') | trim | lower) %}
    {% endfor %}
    {% do return(names) %}
{% endmacro %}


{# read_csv of a file's lines whole, bad lines recorded in rejects_table instead of failing. #}
{% macro csv_whole_lines_reader(path, rejects_table) %}
    {% do run_statement('drop table if exists ' ~ rejects_table) %}
    {% do run_statement('drop table if exists ' ~ rejects_table ~ '_scans') %}
    {% do return(
        'read_csv(' ~ raw_sql_string(path) ~ ", auto_detect = false, header = false,"
        ~ " columns = {'line': 'VARCHAR'}, delim = '\\x1f', quote = '', escape = '', encoding = 'utf-8',"
        ~ " parallel = false, strict_mode = false,"
        ~ " store_rejects = true, rejects_table = '" ~ rejects_table ~ "',"
        ~ " rejects_scan = '" ~ rejects_table ~ "_scans')"
    ) %}
{% endmacro %}


{#
    Stops the build if line 1 (the header row) cannot be read. csv_header's
    `limit 1` skips such a line silently and returns line 2, whose values
    then look like a header without the contract's columns; DuckDB records
    the rejected line only once the whole file is scanned, so this runs only
    where a header looks wrong (no header, a required column missing), to
    say what is actually wrong.
#}
{% macro check_csv_header_readable(table_name, path) %}
    {% do run_query('select count(*) from ' ~ csv_whole_lines_reader(path, 'raw_csv_header_rejects')) %}
    {% set header_rejected = run_query(
        'select error_type from raw_csv_header_rejects where line = 1 limit 1'
    ) %}
    {% if header_rejected | length > 0 %}
        {% do raise_raw_error(
            table_name,
            'cannot be read as CSV: line 1 (the header row) ' ~ csv_error_wording(header_rejected[0][0]),
            path
        ) %}
    {% endif %}
{% endmacro %}


{#
    Reads every field of every line once and stops the build at the first
    line that does not parse: its line number, its column (from the header)
    and what is wrong, never its content (a line can hold an e-mail
    address). DuckDB's reject table records each bad line without failing
    the scan, so the error can be worded here.
#}
{% macro check_csv_lines(table_name, path, reader, reader_columns, header_names) %}
    {% do run_statement('drop table if exists raw_csv_rejects') %}
    {% do run_statement('drop table if exists raw_csv_scans') %}
    {% set counted = [] %}
    {% for reader_name in reader_columns %}
        {#- a column that is not selected is not decoded: count every one -#}
        {% do counted.append('count(' ~ adapter.quote(reader_name) ~ ')') %}
    {% endfor %}
    {% set checking_reader = reader[:-1]
        ~ ", store_rejects = true, rejects_table = 'raw_csv_rejects', rejects_scan = 'raw_csv_scans')" %}
    {% do run_query('select ' ~ counted | join(', ') ~ ' from ' ~ checking_reader) %}
    {% set rejected = run_query(
        'select line, column_name, error_type, count(*) over () as rejected_errors'
        ~ ' from raw_csv_rejects order by line, column_idx limit 1'
    ) %}
    {% if rejected | length > 0 %}
        {% set line_number, column_name, error_type, errors = rejected[0] %}
        {% set column_label = "'" ~ header_names.get(column_name, column_name) ~ "'" if column_name else none %}
        {% if error_type == 'MISSING COLUMNS' and column_label %}
            {% set problem = 'line ' ~ line_number ~ ' ' ~ csv_error_wording(error_type)
                ~ ': no value for column ' ~ column_label ~ ' onwards' %}
        {% elif column_label and error_type != 'TOO MANY COLUMNS' %}
            {% set problem = 'line ' ~ line_number ~ ', column ' ~ column_label ~ ', ' ~ csv_error_wording(error_type) %}
        {% else %}
            {% set problem = 'line ' ~ line_number ~ ' ' ~ csv_error_wording(error_type) %}
        {% endif %}
        {% do raise_raw_error(
            table_name,
            'cannot be read as CSV (RFC 4180: comma-separated, double quotes, UTF-8, a header row): '
            ~ problem ~ ('' if errors == 1 else ' (' ~ errors ~ ' problems in the file, this is the first)'),
            path
        ) %}
    {% endif %}
{% endmacro %}


{# A DuckDB CSV reject error type in words a data producer can act on. #}
{% macro csv_error_wording(error_type) %}
    {% set wording = {
        'MISSING COLUMNS': 'has fewer fields than the header',
        'TOO MANY COLUMNS': 'has more fields than the header (an unquoted comma?)',
        'UNQUOTED VALUE': 'has a stray double quote (a quoted field must be closed and followed by a comma or the line end)',
        'INVALID ENCODING': 'has bytes that are not valid UTF-8',
        'INVALID UNICODE': 'has bytes that are not valid UTF-8',
        'LINE SIZE OVER MAXIMUM': 'is longer than the largest line DuckDB reads (an unclosed quote?)',
    } %}
    {% do return(wording.get(error_type, 'does not parse (' ~ (error_type | lower) ~ ')')) %}
{% endmacro %}

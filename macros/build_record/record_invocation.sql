{#
    The build record: `audit.dbt_invocation_log`, written by the project's
    on-run-start and on-run-end hooks, so that it lives with the warehouse
    and says what happened to it, whatever became of target/ afterwards.

    Every dbt command that runs the project's hooks (build, run, seed,
    snapshot, test, ...) appends one `started` row when it begins and one
    `finished` row when it ends, with the node counts of the run. A command
    killed mid-way (SIGKILL, out of memory, a lost connection) never writes
    its `finished` row. The dbt phases of one `tenant-kpis build` (dbt, the
    Python steps, dbt again) record the same `build_id`, so that together
    they count as one build. `tenant-kpis publish` reads the log
    (src/tenant_kpis/build_record.py) and publishes only a warehouse whose
    last complete `dbt build` finished with every node and test passing and
    that nothing unfinished, failed or untested has changed since.

    Append-only, two statements, portable types and literals: no update, no
    merge, no engine-specific function, so the same macros serve DuckDB,
    PostgreSQL and Spark.
#}
{% macro invocation_log_relation() %}
    {% do return(audit_relation('dbt_invocation_log')) %}
{% endmacro %}


{# A table of the `audit` schema, in the target's database. #}
{% macro audit_relation(identifier) %}
    {#- Spark has no database level -#}
    {% do return(api.Relation.create(
        database=(target.database if target.database is defined else none),
        schema='audit',
        identifier=identifier
    )) %}
{% endmacro %}


{# Create a table of the audit schema (and the schema) unless it exists; columns: [[name, type], ...]. #}
{% macro create_audit_table(relation, columns) %}
    {% do adapter.create_schema(relation) %}
    {% call statement('create_' ~ relation.identifier, auto_begin=True) %}
        create table if not exists {{ relation }} (
            {%- for column in columns %}
            {{ column[0] }} {{ column[1] }}{{ ',' if not loop.last }}
            {%- endfor %}
        )
    {% endcall %}
{% endmacro %}


{# on-run-start: create the log if needed and record that this command started. #}
{% macro record_invocation_started() %}
    {% if not execute %}
        {% do return('') %}
    {% endif %}
    {% set relation = invocation_log_relation() %}
    {% set string, timestamp, int = dbt.type_string(), dbt.type_timestamp(), dbt.type_int() %}
    {% do create_audit_table(relation, [
        ['invocation_id', string], ['dbt_command', string], ['log_event', string],
        ['started_at', timestamp], ['recorded_at', timestamp], ['dbt_version', string],
        ['nodes_in_project', int], ['nodes_selected', int], ['nodes_succeeded', int],
        ['nodes_errored', int], ['nodes_skipped', int], ['models_built', int],
        ['tests_passed', int], ['tests_warned', int], ['tests_failed', int],
        ['tests_errored', int], ['build_id', string]
    ]) %}
    {#- logs created before build_id existed (Spark has no `add column if not exists`) -#}
    {% set existing_columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list %}
    {% if 'build_id' not in existing_columns %}
        {% call statement('add_invocation_log_build_id', auto_begin=True) %}
            alter table {{ relation }} add column build_id {{ dbt.type_string() }}
        {% endcall %}
    {% endif %}
    {% do adapter.commit() %}
    {% do insert_invocation_log_row('started', {}) %}
    {% do return('') %}
{% endmacro %}


{#
    on-run-end: record how the command ended. A node counts as succeeded
    when it passed (success, pass, warn); a selected node with no result
    (skipped after a failed on-run-start hook, or after --fail-fast) does
    not. Seeds `tenant-kpis build` left out as unchanged, and their own
    tests, count as selected and succeeded once the warehouse shows them
    unchanged (seeds_carried_over, seeds_loaded.sql).
#}
{% macro record_invocation_finished(results) %}
    {% if not execute %}
        {% do return('') %}
    {% endif %}
    {% set project_nodes = invocation_executable_nodes() %}
    {% set selected = {} %}
    {% for unique_id in selected_resources if unique_id in project_nodes %}
        {% do selected.update({unique_id: true}) %}
    {% endfor %}
    {% set carried = seeds_carried_over() %}
    {% set counts = {
        'nodes_in_project': project_nodes | length,
        'nodes_selected': selected | length + carried | length,
        'nodes_succeeded': carried | length, 'nodes_errored': 0, 'nodes_skipped': 0, 'models_built': 0,
        'tests_passed': 0, 'tests_warned': 0, 'tests_failed': 0, 'tests_errored': 0
    } %}
    {% set test_counters = {
        'pass': 'tests_passed', 'warn': 'tests_warned', 'fail': 'tests_failed',
        'error': 'tests_errored', 'runtime error': 'tests_errored'
    } %}
    {% for result in results %}
        {% set status = result.status | string | lower %}
        {% set resource_type = result.node.resource_type | string %}
        {% if result.node.unique_id in selected and status in ['success', 'pass', 'warn'] %}
            {% do counts.update({'nodes_succeeded': counts['nodes_succeeded'] + 1}) %}
        {% endif %}
        {% if status in ['error', 'runtime error'] %}
            {% do counts.update({'nodes_errored': counts['nodes_errored'] + 1}) %}
        {% elif status == 'skipped' %}
            {% do counts.update({'nodes_skipped': counts['nodes_skipped'] + 1}) %}
        {% endif %}
        {% if resource_type == 'model' and status == 'success' %}
            {% do counts.update({'models_built': counts['models_built'] + 1}) %}
        {% elif resource_type in ['test', 'unit_test'] and status in test_counters %}
            {% set counter = test_counters[status] %}
            {% do counts.update({counter: counts[counter] + 1}) %}
        {% endif %}
    {% endfor %}
    {% do insert_invocation_log_row('finished', counts) %}
    {% do return('') %}
{% endmacro %}


{#
    The nodes a complete `dbt build` runs: models (not ephemeral), seeds,
    snapshots and data tests. Unit tests are left out: production builds
    skip them (`make build`), and they check SQL on fixed inputs, not data.
#}
{% macro invocation_executable_nodes() %}
    {% set nodes = {} %}
    {% for node in graph.nodes.values() %}
        {% if node.resource_type in ['model', 'seed', 'snapshot', 'test']
            and node.config.materialized != 'ephemeral' %}
            {% do nodes.update({node.unique_id: true}) %}
        {% endif %}
    {% endfor %}
    {% do return(nodes) %}
{% endmacro %}


{# One row of the log; counts missing from `counts` are null. #}
{% macro insert_invocation_log_row(log_event, counts) %}
    {% set count_columns = [
        'nodes_in_project', 'nodes_selected', 'nodes_succeeded', 'nodes_errored',
        'nodes_skipped', 'models_built', 'tests_passed', 'tests_warned', 'tests_failed',
        'tests_errored'
    ] %}
    {% set now = modules.datetime.datetime.now(modules.pytz.utc) %}
    {#- the phases of one `tenant-kpis build` share its id (src/tenant_kpis/build.py);
        read at run time only, so a new id does not make dbt re-parse the project -#}
    {% set build_id = env_var('TENANT_KPIS_BUILD_ID', '') | trim %}
    {% set timestamp_format = '%Y-%m-%d %H:%M:%S.%f' %}
    {% call statement('insert_invocation_log_row', auto_begin=True) %}
        insert into {{ invocation_log_relation() }} (
            invocation_id, dbt_command, log_event, started_at, recorded_at, dbt_version,
            {{ count_columns | join(', ') }}, build_id
        )
        values (
            '{{ invocation_id }}',
            '{{ flags.WHICH }}',
            '{{ log_event }}',
            cast('{{ run_started_at.strftime(timestamp_format) }}' as {{ dbt.type_timestamp() }}),
            cast('{{ now.strftime(timestamp_format) }}' as {{ dbt.type_timestamp() }}),
            '{{ dbt_version }}',
            {%- for column in count_columns %}
            {% if column in counts -%}
                {{ counts[column] }}
            {%- else -%}
                cast(null as {{ dbt.type_int() }})
            {%- endif %},
            {%- endfor %}
            {% if build_id -%}
                '{{ build_id | replace("'", "''") }}'
            {%- else -%}
                cast(null as {{ dbt.type_string() }})
            {%- endif %}
        )
    {% endcall %}
    {% do adapter.commit() %}
{% endmacro %}

{#
    Seeds a weekly build need not reload. `tenant-kpis build`
    (src/tenant_kpis/seed_skip.py) fingerprints every seed file (its bytes,
    the seeds' YAML and dbt_project.yml) and passes the fingerprints to its
    first dbt phase (TENANT_KPIS_SEED_FINGERPRINTS). This phase's on-run-end
    appends to `audit.seeds_loaded` each seed it loaded whose data tests
    reading seeds only (that seed, or it and others) all passed, with the
    file checksum dbt parsed. The next build leaves out of its selection the
    seeds recorded by the last build that changed the warehouse with the
    same fingerprint (TENANT_KPIS_SEEDS_UNCHANGED), and the tests reading
    only those seeds (dbt's cautious indirect selection).

    The build record still requires the whole project: a left-out seed and
    those tests count as selected and succeeded (carried over) only when
    this hook verifies that the seed's relation exists and that the last
    record of it holds the fingerprint and the file checksum of this run.
    A carried seed is recorded again under this build's id, so the next
    week can carry it too. Append-only and portable, as the invocation log.
#}
{% macro seeds_loaded_relation() %}
    {% do return(audit_relation('seeds_loaded')) %}
{% endmacro %}


{# The data tests reading seeds and nothing else: {test unique_id: [seed unique_ids]}. #}
{% macro seed_only_tests() %}
    {% set tests = {} %}
    {% for node in graph.nodes.values() if node.resource_type == 'test' %}
        {% set parents = node.depends_on.nodes %}
        {% set seeds = [] %}
        {% for parent in parents if parent.startswith('seed.') %}
            {% do seeds.append(parent) %}
        {% endfor %}
        {% if parents | length > 0 and seeds | length == parents | length %}
            {% do tests.update({node.unique_id: parents}) %}
        {% endif %}
    {% endfor %}
    {% do return(tests) %}
{% endmacro %}


{# The fingerprints `tenant-kpis build` passed ({seed name: fingerprint}), or {}. #}
{% macro seed_fingerprints() %}
    {% set text = env_var('TENANT_KPIS_SEED_FINGERPRINTS', '') | trim %}
    {% do return(fromjson(text) if text else {}) %}
{% endmacro %}


{#
    The seeds this command left out as unchanged that the warehouse shows
    unchanged, and the tests reading only such seeds: [unique_id, ...] (empty unless
    `tenant-kpis build` passed TENANT_KPIS_SEEDS_UNCHANGED).
#}
{% macro seeds_carried_over() %}
    {% set text = env_var('TENANT_KPIS_SEEDS_UNCHANGED', '') | trim %}
    {% set unchanged = fromjson(text) if text else [] %}
    {% set fingerprints = seed_fingerprints() %}
    {% if not execute or not unchanged or not fingerprints %}
        {% do return([]) %}
    {% endif %}
    {% set relation = seeds_loaded_relation() %}
    {% if adapter.get_relation(relation.database, relation.schema, relation.identifier) is none %}
        {% do return([]) %}
    {% endif %}
    {% set latest = {} %}
    {% set recorded = run_query(
        'select seed_name, fingerprint, seed_checksum from ' ~ relation ~ ' order by recorded_at'
    ) %}
    {% for row in recorded %}
        {% do latest.update({row[0]: [row[1], row[2]]}) %}
    {% endfor %}
    {% set carried = [] %}
    {% for name in unchanged %}
        {% set unique_id = 'seed.' ~ project_name ~ '.' ~ name %}
        {% set node = graph.nodes.get(unique_id) %}
        {% if node is not none and unique_id not in selected_resources
            and latest.get(name) == [fingerprints.get(name), node.checksum.checksum]
            and adapter.get_relation(node.database, node.schema, node.alias) is not none %}
            {% do carried.append(unique_id) %}
        {% endif %}
    {% endfor %}
    {#- the tests dbt's cautious exclusion left out with them: every parent a carried seed -#}
    {% for test_id, parents in seed_only_tests().items() if test_id not in selected_resources %}
        {% if parents | reject('in', carried) | list | length == 0 %}
            {% do carried.append(test_id) %}
        {% endif %}
    {% endfor %}
    {% do return(carried) %}
{% endmacro %}


{# on-run-end: record the seeds loaded and tested (or carried over) by this command. #}
{% macro record_seeds_loaded(results) %}
    {% set fingerprints = seed_fingerprints() %}
    {% if not execute or not fingerprints %}
        {% do return('') %}
    {% endif %}
    {% set statuses = {} %}
    {% for result in results %}
        {% do statuses.update({result.node.unique_id: result.status | string | lower}) %}
    {% endfor %}
    {% set seed_tests = seed_only_tests() %}
    {% set carried = seeds_carried_over() %}
    {% set names = [] %}
    {% for node in graph.nodes.values() if node.resource_type == 'seed' and node.name in fingerprints %}
        {% set loaded = statuses.get(node.unique_id) == 'success' %}
        {% set not_passed = [] %}
        {% for test_id, parents in seed_tests.items() if node.unique_id in parents %}
            {% if statuses.get(test_id) != 'pass' %}
                {% do not_passed.append(test_id) %}
            {% endif %}
        {% endfor %}
        {% if (loaded and not not_passed) or node.unique_id in carried %}
            {% do names.append(node) %}
        {% endif %}
    {% endfor %}
    {% if not names %}
        {% do return('') %}
    {% endif %}
    {% set relation = seeds_loaded_relation() %}
    {% set string = dbt.type_string() %}
    {% do create_audit_table(relation, [
        ['seed_name', string], ['fingerprint', string], ['seed_checksum', string],
        ['build_id', string], ['recorded_at', dbt.type_timestamp()]
    ]) %}
    {% set now = modules.datetime.datetime.now(modules.pytz.utc).strftime('%Y-%m-%d %H:%M:%S.%f') %}
    {% set build_id = env_var('TENANT_KPIS_BUILD_ID', '') | trim %}
    {% call statement('insert_seeds_loaded', auto_begin=True) %}
        insert into {{ relation }} (seed_name, fingerprint, seed_checksum, build_id, recorded_at)
        values
        {%- for node in names %}
            ('{{ node.name }}', '{{ fingerprints[node.name] }}', '{{ node.checksum.checksum }}',
             '{{ build_id | replace("'", "''") }}', cast('{{ now }}' as {{ dbt.type_timestamp() }})){{ ',' if not loop.last }}
        {%- endfor %}
    {% endcall %}
    {% do adapter.commit() %}
    {% do return('') %}
{% endmacro %}

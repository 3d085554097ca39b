{#
    The seeds an incremental weekly model downstream of the parameters read:
    a changed seed (a KPI parameter, a window, a band) changes every week of
    a full refresh, so the next incremental run of the model recomputes
    every week. The fingerprint is the md5 of every seed file's checksum
    (the manifest's): any seed, since a parameter reaches a model through
    its parents too (rolling_cohort_weeks through int_weeks_completed).
    A post-hook (record_seeds_read) keeps it in `<model>_seeds_read`.
#}
{% macro seeds_fingerprint() %}
    {% set checksums = [] %}
    {% for node in graph.nodes.values() | selectattr('resource_type', 'equalto', 'seed') | sort(attribute='unique_id') %}
        {% do checksums.append(node.unique_id ~ ':' ~ node.checksum.checksum) %}
    {% endfor %}
    {{ return(local_md5(checksums | join(','))) }}
{% endmacro %}


{# Post-hook: record the fingerprint of the seeds this run read. #}
{% macro record_seeds_read() %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% do write_side_table('seeds_read', "select '" ~ seeds_fingerprint() ~ "' as seeds_fingerprint") %}
    {{ return('') }}
{% endmacro %}


{# True when a seed changed since the model's last recorded run (or none was recorded). #}
{% macro seeds_changed_since_last_run() %}
    {% if not execute %}
        {{ return(false) }}
    {% endif %}
    {% set relation = side_table('seeds_read') %}
    {% if relation is none %}
        {{ return(true) }}
    {% endif %}
    {% set recorded = run_query('select seeds_fingerprint from ' ~ relation) %}
    {{ return(recorded | length != 1 or recorded[0][0] != seeds_fingerprint()) }}
{% endmacro %}

{#
    The table a Python step wrote (source `python_steps`, see
    src/tenant_kpis/python_steps), checked before a `dbt run`/`build` reads
    it: `tenant-kpis build` runs the steps between its two dbt phases and
    passes their run id in the environment variable TENANT_KPIS_PYTHON_STEPS_RUN
    (a changed var would make dbt re-parse the whole project; a var
    python_steps_run, when given, wins). A build that did not run
    the steps (plain `dbt build`) or a stale table stops with a message
    saying what to run, instead of reading old probabilities silently.
    `--vars '{python_steps_run: any}'` reads whatever the last steps wrote
    (for developing the models downstream).
#}
{% macro python_step_output(table_name, step_name) %}
    {%- set relation = source('python_steps', table_name) -%}
    {%- if execute and flags.WHICH in ['run', 'build'] -%}
        {%- set from_environment = env_var('TENANT_KPIS_PYTHON_STEPS_RUN', '') | trim -%}
        {%- set expected = var('python_steps_run', from_environment or none) -%}
        {%- set how_to = "run `tenant-kpis build` (dbt, then the Python steps, then dbt again; README "
            ~ "'Python steps'), or `tenant-kpis python-steps` and pass the run id it prints as "
            ~ "--vars '{python_steps_run: <id>}'" -%}
        {%- if expected is none -%}
            {%- do exceptions.raise_compiler_error(
                this.identifier ~ " reads " ~ relation ~ ", written by the Python step '" ~ step_name
                ~ "' outside dbt: " ~ how_to
            ) -%}
        {%- endif -%}
        {%- if expected != 'any' -%}
            {#- the steps' bookkeeping table, beside their outputs (not a source: no model reads it) -#}
            {%- set step_runs = api.Relation.create(
                database=relation.database, schema=relation.schema, identifier='step_runs'
            ) -%}
            {%- set runs = run_query(
                "select run_id from " ~ step_runs ~ " where step_name = '" ~ step_name ~ "'"
            ) -%}
            {%- set found = runs.columns[0].values() | list if runs else [] -%}
            {%- if found != [expected] -%}
                {%- do exceptions.raise_compiler_error(
                    this.identifier ~ ": " ~ relation ~ " holds Python step run "
                    ~ (found | join(', ') or 'none') ~ ", not " ~ expected ~ ": " ~ how_to
                ) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(relation) }}
{% endmacro %}

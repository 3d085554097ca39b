{#
    The raw data contract (../shared/spec/raw_contract.md) in one place.

    Returns a dict: table name -> {source, description, loaded_at, columns}.
    `columns` is an ordered list of {name, required, type, kind}; `type` is
    the type a missing optional column gets as a typed null in the raw view;
    `kind` is what the column holds: `key` (a string, even when it looks
    like a number), `text`, `timestamp`, `integer`, `decimal` or `json`
    (a JSON object as text). register_raw_sources checks a Parquet column's
    type against its kind; every timestamp, integer and decimal column has
    plausibility bounds in seed plausibility_bounds (a test checks it).
    `loaded_at` is the column used for source freshness. `directory: true`
    (events only) allows delivery as a directory of Parquet partitions,
    `<table>/load_date=YYYY-MM-DD/*.parquet`.
    Everything that needs the table list (register_raw_sources, the
    row accounting, the pytest suite through the manifest) reads it here.

    What staging needs is here too, so that a base model is generated from
    the same description (macros/staging/base_model.sql); the raw readers
    ignore these keys. Per column: `staged_as`, the staged name where it
    differs; `truncated_to: 'month'`, a timestamp staged as the date of its
    month; `pii: true`, dropped before staging (never in a payload either).
    Per table, `staging` (not on events, staged by their own models): `key`,
    the columns of a duplicate key; `survivor_order`, the staged column
    whose earliest value keeps the row of a duplicate key; `checks_tenant` /
    `checks_user`, whether tenant_id / user_id must be a staged tenant /
    user (quarantine reasons unknown_tenant, unknown_user,
    user_tenant_mismatch).
#}
{% macro raw_contract() %}
    {% do return({
        'tenants': {
            'source': 'app',
            'loaded_at': 'onboarded_at',
            'staging': {'key': ['tenant_id'], 'survivor_order': 'onboarded_at'},
            'columns': [
                {'name': 'tenant_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'tenant_name', 'required': false, 'type': 'varchar', 'kind': 'text'},
                {'name': 'industry', 'required': true, 'type': 'varchar', 'kind': 'text'},
                {'name': 'plan_tier', 'required': true, 'type': 'varchar', 'kind': 'text'},
                {'name': 'region', 'required': false, 'type': 'varchar', 'kind': 'text'},
                {'name': 'seats_purchased', 'required': true, 'type': 'varchar', 'kind': 'integer'},
                {'name': 'signed_at', 'required': true, 'type': 'varchar', 'kind': 'timestamp'},
                {'name': 'onboarded_at', 'required': true, 'type': 'varchar', 'kind': 'timestamp'},
            ],
        },
        'users': {
            'source': 'app',
            'loaded_at': 'created_at',
            'staging': {'key': ['user_id'], 'survivor_order': 'created_at', 'checks_tenant': true},
            'columns': [
                {'name': 'user_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'tenant_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'persona', 'required': true, 'type': 'varchar', 'kind': 'text'},
                {'name': 'created_at', 'required': true, 'type': 'varchar', 'kind': 'timestamp'},
                {'name': 'deactivated_at', 'required': false, 'type': 'varchar', 'kind': 'timestamp'},
                {'name': 'email', 'required': false, 'type': 'varchar', 'kind': 'text', 'pii': true},
            ],
        },
        'events': {
            'source': 'product',
            'directory': true,
            'loaded_at': 'received_at',
            'columns': [
                {'name': 'event_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'tenant_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'user_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'event_name', 'required': true, 'type': 'varchar', 'kind': 'text'},
                {'name': 'occurred_at', 'required': true, 'type': 'varchar', 'kind': 'timestamp'},
                {'name': 'received_at', 'required': true, 'type': 'varchar', 'kind': 'timestamp'},
                {'name': 'properties', 'required': false, 'type': 'varchar', 'kind': 'json'},
            ],
        },
        'certifications': {
            'source': 'learning',
            'loaded_at': 'issued_at',
            'staging': {'key': ['certification_id'], 'survivor_order': 'issued_at', 'checks_tenant': true, 'checks_user': true},
            'columns': [
                {'name': 'certification_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'tenant_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'user_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'certification_name', 'required': false, 'type': 'varchar', 'kind': 'text'},
                {'name': 'level', 'required': false, 'type': 'varchar', 'kind': 'text', 'staged_as': 'certification_level'},
                {'name': 'issued_at', 'required': true, 'type': 'varchar', 'kind': 'timestamp'},
            ],
        },
        'content': {
            'source': 'learning',
            'loaded_at': 'last_updated_at',
            'staging': {'key': ['content_id'], 'survivor_order': 'last_updated_at'},
            'columns': [
                {'name': 'content_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'course_id', 'required': false, 'type': 'varchar', 'kind': 'key'},
                {'name': 'title', 'required': false, 'type': 'varchar', 'kind': 'text'},
                {'name': 'content_type', 'required': false, 'type': 'varchar', 'kind': 'text'},
                {'name': 'published_at', 'required': true, 'type': 'varchar', 'kind': 'timestamp'},
                {'name': 'last_updated_at', 'required': true, 'type': 'varchar', 'kind': 'timestamp'},
                {'name': 'retired_at', 'required': false, 'type': 'varchar', 'kind': 'timestamp'},
            ],
        },
        'learning_costs': {
            'source': 'finance',
            'loaded_at': 'month',
            'staging': {'key': ['cost_id'], 'survivor_order': 'cost_month', 'checks_tenant': true},
            'columns': [
                {'name': 'cost_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'tenant_id', 'required': false, 'type': 'varchar', 'kind': 'key'},
                {'name': 'month', 'required': true, 'type': 'varchar', 'kind': 'timestamp', 'staged_as': 'cost_month', 'truncated_to': 'month'},
                {'name': 'category', 'required': true, 'type': 'varchar', 'kind': 'text', 'staged_as': 'cost_category'},
                {'name': 'amount_usd', 'required': true, 'type': 'varchar', 'kind': 'decimal'},
            ],
        },
        'support_tickets': {
            'source': 'support',
            'loaded_at': 'created_at',
            'staging': {'key': ['ticket_id'], 'survivor_order': 'created_at', 'checks_tenant': true, 'checks_user': true},
            'columns': [
                {'name': 'ticket_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'tenant_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'user_id', 'required': false, 'type': 'varchar', 'kind': 'key'},
                {'name': 'created_at', 'required': true, 'type': 'varchar', 'kind': 'timestamp'},
                {'name': 'tier', 'required': true, 'type': 'varchar', 'kind': 'integer', 'staged_as': 'ticket_tier'},
                {'name': 'category', 'required': false, 'type': 'varchar', 'kind': 'text', 'staged_as': 'ticket_category'},
                {'name': 'resolved_at', 'required': false, 'type': 'varchar', 'kind': 'timestamp'},
            ],
        },
        'subscription_events': {
            'source': 'billing',
            'loaded_at': 'effective_at',
            'staging': {'key': ['subscription_event_id'], 'survivor_order': 'effective_at', 'checks_tenant': true},
            'columns': [
                {'name': 'subscription_event_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'tenant_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'event_type', 'required': true, 'type': 'varchar', 'kind': 'text'},
                {'name': 'effective_at', 'required': true, 'type': 'varchar', 'kind': 'timestamp'},
                {'name': 'seats_delta', 'required': false, 'type': 'varchar', 'kind': 'integer'},
                {'name': 'mrr_delta_usd', 'required': false, 'type': 'varchar', 'kind': 'decimal'},
            ],
        },
        'experiment_assignments': {
            'source': 'app',
            'loaded_at': 'assigned_at',
            'staging': {'key': ['experiment_id', 'tenant_id'], 'survivor_order': 'assigned_at', 'checks_tenant': true},
            'columns': [
                {'name': 'experiment_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'tenant_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'arm', 'required': true, 'type': 'varchar', 'kind': 'text'},
                {'name': 'assigned_at', 'required': true, 'type': 'varchar', 'kind': 'timestamp'},
            ],
        },
    }) %}
{% endmacro %}

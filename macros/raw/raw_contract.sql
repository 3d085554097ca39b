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
#}
{% macro raw_contract() %}
    {% do return({
        'tenants': {
            'source': 'app',
            'loaded_at': 'onboarded_at',
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
            'columns': [
                {'name': 'user_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'tenant_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'persona', 'required': true, 'type': 'varchar', 'kind': 'text'},
                {'name': 'created_at', 'required': true, 'type': 'varchar', 'kind': 'timestamp'},
                {'name': 'deactivated_at', 'required': false, 'type': 'varchar', 'kind': 'timestamp'},
                {'name': 'email', 'required': false, 'type': 'varchar', 'kind': 'text'},
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
            'columns': [
                {'name': 'certification_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'tenant_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'user_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'certification_name', 'required': false, 'type': 'varchar', 'kind': 'text'},
                {'name': 'level', 'required': false, 'type': 'varchar', 'kind': 'text'},
                {'name': 'issued_at', 'required': true, 'type': 'varchar', 'kind': 'timestamp'},
            ],
        },
        'content': {
            'source': 'learning',
            'loaded_at': 'last_updated_at',
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
            'columns': [
                {'name': 'cost_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'tenant_id', 'required': false, 'type': 'varchar', 'kind': 'key'},
                {'name': 'month', 'required': true, 'type': 'varchar', 'kind': 'timestamp'},
                {'name': 'category', 'required': true, 'type': 'varchar', 'kind': 'text'},
                {'name': 'amount_usd', 'required': true, 'type': 'varchar', 'kind': 'decimal'},
            ],
        },
        'support_tickets': {
            'source': 'support',
            'loaded_at': 'created_at',
            'columns': [
                {'name': 'ticket_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'tenant_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'user_id', 'required': false, 'type': 'varchar', 'kind': 'key'},
                {'name': 'created_at', 'required': true, 'type': 'varchar', 'kind': 'timestamp'},
                {'name': 'tier', 'required': true, 'type': 'varchar', 'kind': 'integer'},
                {'name': 'category', 'required': false, 'type': 'varchar', 'kind': 'text'},
                {'name': 'resolved_at', 'required': false, 'type': 'varchar', 'kind': 'timestamp'},
            ],
        },
        'subscription_events': {
            'source': 'billing',
            'loaded_at': 'effective_at',
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
            'columns': [
                {'name': 'experiment_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'tenant_id', 'required': true, 'type': 'varchar', 'kind': 'key'},
                {'name': 'arm', 'required': true, 'type': 'varchar', 'kind': 'text'},
                {'name': 'assigned_at', 'required': true, 'type': 'varchar', 'kind': 'timestamp'},
            ],
        },
    }) %}
{% endmacro %}

{#
    The raw data contract (../shared/spec/raw_contract.md) in one place.

    Returns a dict: table name -> {source, description, loaded_at, columns}.
    `columns` is an ordered list of {name, required, type}; `type` is the
    type a missing optional column gets as a typed null in the raw view.
    `loaded_at` is the column used for source freshness.
    Everything that needs the table list (register_raw_sources, the
    row accounting, the pytest suite through the manifest) reads it here.
#}
{% macro raw_contract() %}
    {% do return({
        'tenants': {
            'source': 'app',
            'loaded_at': 'onboarded_at',
            'columns': [
                {'name': 'tenant_id', 'required': true, 'type': 'varchar'},
                {'name': 'tenant_name', 'required': false, 'type': 'varchar'},
                {'name': 'industry', 'required': true, 'type': 'varchar'},
                {'name': 'plan_tier', 'required': true, 'type': 'varchar'},
                {'name': 'region', 'required': false, 'type': 'varchar'},
                {'name': 'seats_purchased', 'required': true, 'type': 'varchar'},
                {'name': 'signed_at', 'required': true, 'type': 'varchar'},
                {'name': 'onboarded_at', 'required': true, 'type': 'varchar'},
            ],
        },
        'users': {
            'source': 'app',
            'loaded_at': 'created_at',
            'columns': [
                {'name': 'user_id', 'required': true, 'type': 'varchar'},
                {'name': 'tenant_id', 'required': true, 'type': 'varchar'},
                {'name': 'persona', 'required': true, 'type': 'varchar'},
                {'name': 'created_at', 'required': true, 'type': 'varchar'},
                {'name': 'deactivated_at', 'required': false, 'type': 'varchar'},
                {'name': 'email', 'required': false, 'type': 'varchar'},
            ],
        },
        'events': {
            'source': 'product',
            'loaded_at': 'received_at',
            'columns': [
                {'name': 'event_id', 'required': true, 'type': 'varchar'},
                {'name': 'tenant_id', 'required': true, 'type': 'varchar'},
                {'name': 'user_id', 'required': true, 'type': 'varchar'},
                {'name': 'event_name', 'required': true, 'type': 'varchar'},
                {'name': 'occurred_at', 'required': true, 'type': 'varchar'},
                {'name': 'received_at', 'required': true, 'type': 'varchar'},
                {'name': 'properties', 'required': false, 'type': 'varchar'},
            ],
        },
        'certifications': {
            'source': 'learning',
            'loaded_at': 'issued_at',
            'columns': [
                {'name': 'certification_id', 'required': true, 'type': 'varchar'},
                {'name': 'tenant_id', 'required': true, 'type': 'varchar'},
                {'name': 'user_id', 'required': true, 'type': 'varchar'},
                {'name': 'certification_name', 'required': false, 'type': 'varchar'},
                {'name': 'level', 'required': false, 'type': 'varchar'},
                {'name': 'issued_at', 'required': true, 'type': 'varchar'},
            ],
        },
        'content': {
            'source': 'learning',
            'loaded_at': 'last_updated_at',
            'columns': [
                {'name': 'content_id', 'required': true, 'type': 'varchar'},
                {'name': 'course_id', 'required': false, 'type': 'varchar'},
                {'name': 'title', 'required': false, 'type': 'varchar'},
                {'name': 'content_type', 'required': false, 'type': 'varchar'},
                {'name': 'published_at', 'required': true, 'type': 'varchar'},
                {'name': 'last_updated_at', 'required': true, 'type': 'varchar'},
                {'name': 'retired_at', 'required': false, 'type': 'varchar'},
            ],
        },
        'learning_costs': {
            'source': 'finance',
            'loaded_at': 'month',
            'columns': [
                {'name': 'cost_id', 'required': true, 'type': 'varchar'},
                {'name': 'tenant_id', 'required': false, 'type': 'varchar'},
                {'name': 'month', 'required': true, 'type': 'varchar'},
                {'name': 'category', 'required': true, 'type': 'varchar'},
                {'name': 'amount_usd', 'required': true, 'type': 'varchar'},
            ],
        },
        'support_tickets': {
            'source': 'support',
            'loaded_at': 'created_at',
            'columns': [
                {'name': 'ticket_id', 'required': true, 'type': 'varchar'},
                {'name': 'tenant_id', 'required': true, 'type': 'varchar'},
                {'name': 'user_id', 'required': false, 'type': 'varchar'},
                {'name': 'created_at', 'required': true, 'type': 'varchar'},
                {'name': 'tier', 'required': true, 'type': 'varchar'},
                {'name': 'category', 'required': false, 'type': 'varchar'},
                {'name': 'resolved_at', 'required': false, 'type': 'varchar'},
            ],
        },
        'subscription_events': {
            'source': 'billing',
            'loaded_at': 'effective_at',
            'columns': [
                {'name': 'subscription_event_id', 'required': true, 'type': 'varchar'},
                {'name': 'tenant_id', 'required': true, 'type': 'varchar'},
                {'name': 'event_type', 'required': true, 'type': 'varchar'},
                {'name': 'effective_at', 'required': true, 'type': 'varchar'},
                {'name': 'seats_delta', 'required': false, 'type': 'varchar'},
                {'name': 'mrr_delta_usd', 'required': false, 'type': 'varchar'},
            ],
        },
        'experiment_assignments': {
            'source': 'app',
            'loaded_at': 'assigned_at',
            'columns': [
                {'name': 'experiment_id', 'required': true, 'type': 'varchar'},
                {'name': 'tenant_id', 'required': true, 'type': 'varchar'},
                {'name': 'arm', 'required': true, 'type': 'varchar'},
                {'name': 'assigned_at', 'required': true, 'type': 'varchar'},
            ],
        },
    }) %}
{% endmacro %}

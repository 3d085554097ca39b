with

base as (
    select * from {{ ref('base_product__events') }}
),

final as (
    select
        event_id,
        tenant_id,
        user_id,
        event_name,
        event_category,
        is_known_event_name,
        occurred_at,
        occurred_date,
        received_at,
        load_date,
        setup_step,
        import_rows,
        import_errors,
        integration_name,
        setting_name,
        governance_action,
        feature_name,
        is_critical_feature,
        workflow_name,
        task_type,
        content_id,
        course_id,
        nps_score
    from base
    where quarantine_reason is null
)

select * from final

with

quarantined_rows as (
    select * from {{ ref('dq_quarantined_rows') }}
),

quarantine_reasons as (
    select * from {{ ref('quarantine_reasons') }}
),

counted as (
    select
        raw_table,
        quarantine_reason,
        count(*) as row_count
    from quarantined_rows
    group by 1, 2
),

final as (
    select
        counted.raw_table,
        counted.quarantine_reason,
        quarantine_reasons.precedence as reason_precedence,
        cast(counted.row_count as bigint) as rows
    from counted
    left join quarantine_reasons
        on counted.quarantine_reason = quarantine_reasons.quarantine_reason
)

select * from final

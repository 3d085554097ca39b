-- The quarantine summary, the quarantined rows and the row accounting agree:
-- per raw table, summed reasons = quarantined rows = rows_quarantined.
with

row_accounting as (
    select * from {{ ref('dq_row_accounting') }}
),

quarantine_summary as (
    select * from {{ ref('dq_quarantine_summary') }}
),

quarantined_rows as (
    select * from {{ ref('dq_quarantined_rows') }}
),

accounting_totals as (
    -- events have a row per load date
    select
        raw_table,
        sum(rows_quarantined) as rows_quarantined
    from row_accounting
    group by 1
),

summary_totals as (
    select
        raw_table,
        sum(rows) as rows_in_summary
    from quarantine_summary
    group by 1
),

row_totals as (
    select
        raw_table,
        count(*) as rows_listed
    from quarantined_rows
    group by 1
),

compared as (
    select
        accounting_totals.raw_table,
        accounting_totals.rows_quarantined,
        coalesce(summary_totals.rows_in_summary, 0) as rows_in_summary,
        coalesce(row_totals.rows_listed, 0) as rows_listed
    from accounting_totals
    left join summary_totals
        on accounting_totals.raw_table = summary_totals.raw_table
    left join row_totals
        on accounting_totals.raw_table = row_totals.raw_table
)

select * from compared
where rows_quarantined != rows_in_summary or rows_quarantined != rows_listed

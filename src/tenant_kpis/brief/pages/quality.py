"""Page 8: row accounting, quarantine, freshness, build facts and KPI definitions."""

from __future__ import annotations

from collections.abc import Callable

from tenant_kpis.brief import fmt, style
from tenant_kpis.brief.context import AUTONOMY_KPIS, Brief
from tenant_kpis.brief.layout import CONTENT_WIDTH, MARGIN_X, Column, Page
from tenant_kpis.brief.marts import MartUnavailable
from tenant_kpis.brief.pages import onboarding

TITLE = "Data quality and definitions"
HALF = (CONTENT_WIDTH - 0.3) / 2
# Every KPI whose value appears in the brief, in page order: each page lists its own.
KPIS_SHOWN = (*AUTONOMY_KPIS, *onboarding.KPIS_SHOWN)


def render(page: Page, brief: Brief) -> None:
    page.paragraph(
        "Platform-wide checks of the build the brief was made from (row counts of "
        "the raw tables, not figures about tenants).",
        size=style.SMALL,
        color=style.MUTED,
    )
    page.gap(0.05)
    top = page.cursor
    page.heading("Row accounting")
    _guard(page, lambda: _accounting(page, brief))
    left_bottom = page.cursor
    page.cursor = top
    _right(page, brief)
    page.cursor = min(page.cursor, left_bottom) - 0.12
    top = page.cursor
    page.heading("Quarantined rows by reason")
    _guard(page, lambda: _quarantine(page, brief), width=HALF)
    left_bottom = page.cursor
    page.cursor = top
    _build(page, brief)
    page.cursor = min(page.cursor, left_bottom) - 0.12
    page.heading("Definitions of the KPIs in this brief", "from dim_kpis")
    _definitions(page, brief)


def _guard(page: Page, draw: Callable[[], None], width: float = HALF, x: float = MARGIN_X) -> None:
    try:
        draw()
    except MartUnavailable as error:
        page.cursor -= 0.16
        page.paragraph(
            f"Not available: {error}.",
            size=style.SMALL,
            color=style.MUTED,
            x=x,
            width=width,
            style="italic",
        )


ACCOUNTING_COUNTS = ["rows_raw", "rows_staged", "rows_quarantined", "rows_duplicate"]


def _accounting(page: Page, brief: Brief) -> None:
    detail = brief.marts.select(
        "dq_row_accounting",
        ["raw_table", *ACCOUNTING_COUNTS],
        required=["raw_table", "rows_raw"],
    )
    # the mart has a row per load date for incrementally loaded tables; the
    # page shows each table's total
    frame = detail.groupby("raw_table", as_index=False, sort=True)[ACCOUNTING_COUNTS].sum(
        min_count=1
    )
    rows = [
        [
            str(r.raw_table),
            fmt.integer(r.rows_raw),
            fmt.integer(r.rows_staged),
            fmt.integer(r.rows_quarantined),
            fmt.integer(r.rows_duplicate),
        ]
        for r in frame.itertuples()
    ]
    page.table(
        [
            Column("Raw table", 0.34),
            Column("Raw", 0.18, "right"),
            Column("Staged", 0.18, "right"),
            Column("Quar.", 0.14, "right"),
            Column("Dup.", 0.16, "right"),
        ],
        rows,
        size=style.TINY,
        width=HALF,
        empty="No row accounting rows.",
    )


def _right(page: Page, brief: Brief) -> None:
    x = MARGIN_X + HALF + 0.3
    page.cursor -= 0.2
    page.text(x, page.cursor, "Source freshness", size=style.HEADING, weight="bold")
    page.cursor -= 0.08

    def draw() -> None:
        frame = brief.marts.select(
            "dq_source_freshness",
            ["source", "latest_at", "lag_days", "status"],
            required=["source"],
            order_by="source",
        )
        rows = []
        for r in frame.itertuples():
            lag = "n/a" if fmt.is_missing(r.lag_days) else f"{float(r.lag_days):.1f} d"
            rows.append([str(r.source), fmt.day(r.latest_at), lag, str(r.status or "—")])
        page.table(
            [
                Column("Raw table", 0.36),
                Column("Latest", 0.26),
                Column("Lag", 0.16, "right"),
                Column("Status", 0.22),
            ],
            rows,
            size=style.TINY,
            x=x,
            width=HALF,
            empty="No freshness rows.",
        )

    _guard(page, draw, x=x)


def _quarantine(page: Page, brief: Brief) -> None:
    frame = brief.marts.select(
        "dq_quarantine_summary",
        ["raw_table", "reason", "rows"],
        required=["reason", "rows"],
        order_by="rows desc, raw_table, reason",
    )
    frame = frame[frame["rows"].fillna(0) > 0]
    rows = [
        [
            str(r.raw_table) if not fmt.is_missing(r.raw_table) else "all",
            str(r.reason),
            fmt.integer(r.rows),
        ]
        for r in frame.itertuples()
    ]
    page.table(
        [Column("Raw table", 0.38), Column("Reason", 0.42), Column("Rows", 0.2, "right")],
        rows,
        size=style.TINY,
        width=HALF,
        max_height=2.3,
        empty="No quarantined rows: every raw row passed the contract.",
    )


def _build(page: Page, brief: Brief) -> None:
    x = MARGIN_X + HALF + 0.3
    page.cursor -= 0.2
    page.text(x, page.cursor, "Build", size=style.HEADING, weight="bold")
    page.cursor -= 0.08
    build = brief.build
    if not build:
        page.paragraph(
            "build_info is not in this publication.",
            size=style.SMALL,
            x=x,
            width=HALF,
            color=style.MUTED,
        )
        return
    facts = [
        ("Published", fmt.stamp(build.get("published_at"))),
        ("dbt invocation", str(build.get("invocation_id") or "unknown")),
        ("dbt version", str(build.get("dbt_version") or "unknown")),
        ("git commit", str(build.get("git_commit") or "unknown")),
        ("Models built", fmt.integer(build.get("models_built"))),
        (
            "Tests",
            f"{fmt.integer(build.get('tests_passed'))} passed, "
            f"{fmt.integer(build.get('tests_warned'))} warned, "
            f"{fmt.integer(build.get('tests_failed'))} failed, "
            f"{fmt.integer(build.get('tests_errored'))} errored",
        ),
    ]
    for label, text in facts:
        page.cursor -= 0.15
        page.text(x, page.cursor, label, size=style.TINY, color=style.MUTED)
        page.text(x + 0.95, page.cursor, text, size=style.TINY)
    overridden = build.get("overridden_anomalies")
    if overridden:
        # the reader must know these figures passed a guard only by override
        page.cursor -= 0.08
        page.paragraph(
            f"▼ Published with --accept-anomalies despite: {overridden}.",
            size=style.TINY,
            x=x,
            width=HALF,
            max_lines=5,
        )


def _definitions(page: Page, brief: Brief) -> None:
    for name in KPIS_SHOWN:
        info = brief.kpi(name)
        definition = info.definition or "definition not published (dim_kpis is missing)"
        if page.room < 0.2:
            page.paragraph("+ further definitions in dim_kpis.", size=style.TINY, color=style.MUTED)
            return
        page.paragraph(f"{info.label} ({name}): {definition}", size=style.TINY, bullet="•")
        page.gap(0.015)

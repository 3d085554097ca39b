"""Assemble the eight pages into one deterministic PDF."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages

from tenant_kpis import paths
from tenant_kpis.brief import context, fmt, style
from tenant_kpis.brief.context import Brief
from tenant_kpis.brief.layout import Page
from tenant_kpis.brief.marts import Marts, MartUnavailable
from tenant_kpis.brief.pages import (
    alerts,
    headline,
    health,
    investment,
    onboarding,
    pilots,
    quality,
    trends,
)
from tenant_kpis.errors import UserError

PAGES = (headline, trends, alerts, onboarding, health, pilots, investment, quality)
REPORT_TITLE = "Tenant autonomy KPIs: weekly executive brief"
log = logging.getLogger(__name__)


def render_brief(
    week: str | None = None,
    segment: str | None = None,
    out_path: Path | None = None,
    marts_path: Path | None = None,
) -> Path:
    """Render the brief for a week (default: the last complete one) and a segment."""
    started = time.perf_counter()
    marts_path = Path(marts_path) if marts_path is not None else paths.published_db()
    with Marts(marts_path) as marts:
        weeks = context.available_weeks(marts)
        scope = context.resolve_scope(marts, weeks, week, segment)
        brief = Brief(
            marts=marts,
            scope=scope,
            build=context.load_build_info(marts),
            catalog=context.load_catalog(marts),
            weeks=weeks,
        )
        out = (
            Path(out_path)
            if out_path is not None
            else (paths.reports_dir() / f"brief_{scope.week}{scope.slug}.pdf")
        )
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UserError(f"cannot create the output directory {out.parent}: {error}") from error
        write_pdf(brief, out)
    log.info("brief rendered in %.2f s", time.perf_counter() - started)
    return out


def _footer(brief: Brief) -> str:
    build = brief.build
    commit = str(build.get("git_commit") or "unknown")[:12]
    return (
        f"dbt invocation {build.get('invocation_id') or 'unknown'} · git {commit} · "
        f"published {fmt.stamp(build.get('published_at'))} · figures read from the published marts"
    )


def write_pdf(brief: Brief, out: Path) -> None:
    scope = brief.scope
    header = f"{REPORT_TITLE} · week of {scope.week} · {scope.label}"
    metadata = {
        "Title": f"{REPORT_TITLE}, week of {scope.week}, {scope.label}",
        "Author": "tenant-kpis",
        "Subject": f"Weekly executive brief for the week of {scope.week} ({scope.label})",
        "Keywords": "tenant autonomy KPIs, weekly brief",
        "Creator": "tenant-kpis brief",
        "CreationDate": brief.published_at,
        "ModDate": brief.published_at,
    }
    try:
        with matplotlib.rc_context(style.RC_PARAMS), PdfPages(out, metadata=metadata) as pdf:
            for number, module in enumerate(PAGES, start=1):
                page = Page(number, len(PAGES), module.TITLE, header, _footer(brief))
                try:
                    module.render(page, brief)
                except MartUnavailable as error:
                    page.empty_state(f"This section is not available: {error}.")
                pdf.savefig(page.fig)
    except OSError as error:
        raise UserError(f"cannot write the brief to {out}: {error}") from error

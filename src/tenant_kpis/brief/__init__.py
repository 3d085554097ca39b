"""The weekly executive brief: one PDF page per section, from the published marts.

``render_brief`` is the only entry point. It opens the published marts
read-only, validates the week and segment, and draws eight A4 pages with
matplotlib. No KPI is computed here: every number is a value of a mart row.
"""

from __future__ import annotations

from tenant_kpis.brief.render import render_brief

__all__ = ["render_brief"]

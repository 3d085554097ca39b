"""Three to five sentences generated from the scorecard and the alerts.

Every number in a sentence is a value of a mart row (value, interval, unit
count, band, change); the text only picks which rows to mention and words
them. A change is called (rose, fell, improved, worsened) only when the
scorecard's change direction says it is larger than its noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tenant_kpis.brief import fmt
from tenant_kpis.brief.context import KpiInfo

ORDINALS = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
)


@dataclass(frozen=True)
class KpiWeek:
    """One autonomy KPI in the brief's week, with what the sentences need."""

    info: KpiInfo
    row: dict[str, Any] | None  # the scorecard row of the week (None: no row)
    weeks_off_track: int
    first_action: str
    reported: bool = True  # the scorecard has rows for this KPI and segment at all

    @property
    def status(self) -> str:
        if self.row is None or fmt.is_missing(self.row.get("value")):
            return "no_data"
        return str(self.row.get("status") or "no_data")


def ordinal(n: int) -> str:
    if 1 <= n <= len(ORDINALS):
        return ORDINALS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _band_phrase(kpi: KpiWeek, scope_label: str) -> str:
    row = kpi.row or {}
    band = fmt.band(row.get("band_low"), row.get("band_high"), kpi.info.unit)
    where = "" if fmt.is_missing(row.get("band_label")) else str(row.get("band_label") or "")
    if "target" in where.lower():
        return f"the {band} target band"
    if "blend" in where.lower():
        return f"the {band} blended industry band"
    return f"the {band} band for {where or scope_label}"


def evidence(row: dict[str, Any], unit: str) -> str:
    """'95% interval 20–24 days, n = 306' from a scorecard row."""
    return (
        f"95% interval {fmt.interval(row.get('interval_lower'), row.get('interval_upper'), unit)}, "
        f"{fmt.sample(row.get('unit_count'))}"
    )


def called(direction: Any) -> bool:
    """A change the scorecard calls: larger than its noise."""
    return not fmt.is_missing(direction) and str(direction) in ("up", "down")


def _movement(kpi: KpiWeek) -> str:
    row = kpi.row or {}
    value = fmt.value(row.get("value"), kpi.info.unit)
    delta = row.get("change_1w")
    if not called(row.get("change_1w_direction")) or fmt.is_missing(delta):
        return f"{kpi.info.label} was {value} ({evidence(row, kpi.info.unit)})"
    verb = "rose" if float(delta) > 0 else "fell"
    return (
        f"{kpi.info.label} {verb} {fmt.change_words(delta, kpi.info.unit)} to {value} "
        f"({evidence(row, kpi.info.unit)})"
    )


def _side(kpi: KpiWeek) -> str:
    return "above" if not kpi.info.higher_is_better else "below"


def off_track_sentence(kpi: KpiWeek, scope_label: str) -> str:
    weeks = kpi.weeks_off_track
    streak = f" for the {ordinal(weeks)} week in a row" if weeks >= 2 else " this week"
    owner = (kpi.row or {}).get("owner") or kpi.info.owner or "unassigned"
    text = (
        f"{_movement(kpi)}, its whole interval {_side(kpi)} {_band_phrase(kpi, scope_label)}"
        f"{streak}; owner: {owner}"
    )
    if kpi.first_action:
        text += f"; recommended: {kpi.first_action}"
    return text + "."


def possibly_off_track_sentence(kpi: KpiWeek, scope_label: str) -> str:
    owner = (kpi.row or {}).get("owner") or kpi.info.owner or "unassigned"
    return (
        f"{_movement(kpi)}: {_side(kpi)} {_band_phrase(kpi, scope_label)}, but the interval still "
        f"reaches the threshold, so it is possibly off track, not proven; owner: {owner}."
    )


def small_sample_sentence(kpis: list[KpiWeek]) -> str:
    parts = [
        f"{k.info.label} ({fmt.value((k.row or {}).get('value'), k.info.unit)}, "
        f"{evidence(k.row or {}, k.info.unit)})"
        for k in kpis
    ]
    return f"Too few units to judge: {'; '.join(parts)}."


def at_risk_sentence(kpi: KpiWeek, scope_label: str) -> str:
    row = kpi.row or {}
    owner = row.get("owner") or kpi.info.owner or "unassigned"
    text = (
        f"{_movement(kpi)}, just {_side(kpi)} {_band_phrase(kpi, scope_label)} "
        f"(at risk: within 10% of the threshold); owner: {owner}"
    )
    if kpi.first_action:
        text += f"; recommended: {kpi.first_action}"
    return text + "."


def mover_sentence(kpi: KpiWeek) -> str | None:
    row = kpi.row or {}
    delta = row.get("change_4w")
    if fmt.is_missing(delta) or not called(row.get("change_4w_direction")):
        return None
    better = (float(delta) > 0) == kpi.info.higher_is_better
    verb = "improved" if better else "worsened"
    return (
        f"{kpi.info.label} {verb} by {fmt.change_words(delta, kpi.info.unit)} over four "
        f"weeks to {fmt.value(row.get('value'), kpi.info.unit)} and is "
        f"{'on track' if kpi.status == 'on_track' else kpi.status.replace('_', ' ')}."
    )


def sentences(
    kpis: list[KpiWeek],
    scope_label: str,
    week_text: str,
    alerts_open: int | None,
    alerts_opened: int | None,
    alerts_closed: int | None,
    alerts_segments: str = "",
) -> list[str]:
    counts = {
        key: sum(1 for k in kpis if k.status == key)
        for key in (
            "on_track",
            "at_risk",
            "off_track",
            "possibly_off_track",
            "no_data",
            "small_sample",
        )
    }
    summary = (
        f"{scope_label}, week of {week_text}: {counts['on_track']} of {len(kpis)} "
        f"autonomy KPIs on track, {counts['at_risk']} at risk, "
        f"{counts['off_track']} off track"
    )
    if counts["possibly_off_track"]:
        summary += f", {counts['possibly_off_track']} possibly off track"
    if counts["small_sample"]:
        summary += f", {counts['small_sample']} with too few tenants to judge"
    summary += f", {counts['no_data']} without data." if counts["no_data"] else "."
    out = [summary]
    off = sorted(
        (k for k in kpis if k.status == "off_track"),
        key=lambda k: (-k.weeks_off_track, k.info.kpi_name),
    )
    out.extend(off_track_sentence(k, scope_label) for k in off[:2])
    possibly = [k for k in kpis if k.status == "possibly_off_track"]
    if possibly and len(out) < 3:
        out.append(possibly_off_track_sentence(possibly[0], scope_label))
    small = [k for k in kpis if k.status == "small_sample"]
    if small and len(out) < 4:
        out.append(small_sample_sentence(small))
    risk = [k for k in kpis if k.status == "at_risk"]
    if risk and len(out) < 4:
        out.append(at_risk_sentence(risk[0], scope_label))
    if len(out) < 4:
        movers = [
            k
            for k in kpis
            if k.status == "on_track"
            and k.row is not None
            and not fmt.is_missing(k.row.get("change_4w"))
        ]
        movers.sort(
            key=lambda k: (-abs(float(k.row["change_4w"])) if k.row else 0.0, k.info.kpi_name)
        )
        for mover in movers:
            text = mover_sentence(mover)
            if text:
                out.append(text)
                break
    if alerts_open is not None:
        text = f"{alerts_open} alert{'s' if alerts_open != 1 else ''} open"
        if alerts_opened:
            text += f" ({alerts_opened} opened this week)"
        text += f", {alerts_closed or 0} closed this week"
        if alerts_segments:
            text += f"; {alerts_segments}"
        text += ", with owners and playbooks."
        out.append(text)
    if not any(k.reported for k in kpis):
        out = [
            f"{scope_label}, week of {week_text}: the five autonomy KPIs are tenant-level and "
            "are not reported for this segment; see the platform brief for them.",
            "This segment's onboarding and engagement KPIs are on pages 3 and 4.",
        ]
    elif counts["no_data"] == len(kpis):
        out = [
            summary,
            f"No autonomy KPI has a value for {scope_label} in the week of "
            f"{week_text}: the marts hold no data for it yet.",
        ]
    return out[:5]

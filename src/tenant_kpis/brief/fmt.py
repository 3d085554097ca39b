"""Formatting of mart values for the page: units, changes, dates, wrapping."""

from __future__ import annotations

import math
import textwrap
from datetime import date, datetime
from typing import Any

import pandas as pd

RATE_UNITS = frozenset({"rate", "share", "ratio", "percent", "pct", "proportion"})
DASH = "–"


def is_missing(value: Any) -> bool:
    """None, NaN, NaT and pandas NA are missing; lists and text are not."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(math.isnan(float(value)))
    except (TypeError, ValueError):
        return False


def value(number: Any, unit: str | None, digits: int | None = None) -> str:
    """A KPI value in its unit: 52%, 21 days, $123, 3.4."""
    if is_missing(number):
        return "n/a"
    x = float(number)
    unit = (unit or "").lower()
    if unit in RATE_UNITS:
        return f"{x * 100:.{0 if digits is None else digits}f}%"
    if unit == "usd":
        return f"${x:,.0f}" if abs(x) >= 100 else f"${x:,.2f}"
    if unit == "days":
        d = 1 if digits is None else digits
        text = f"{x:.{d}f}".rstrip("0").rstrip(".") if d else f"{x:.0f}"
        return f"{text} days" if text != "1" else "1 day"
    if unit in ("days_per_week",):
        return f"{x:.1f} d/wk"
    if unit in ("points", "score"):
        return f"{x:.0f}"
    if unit == "features":
        return f"{x:.1f}".rstrip("0").rstrip(".")
    return f"{x:.{2 if digits is None else digits}f}"


def bare(number: Any, unit: str | None) -> str:
    """A value without its unit word (for axis labels and bands)."""
    if is_missing(number):
        return "n/a"
    x = float(number)
    unit = (unit or "").lower()
    if unit in RATE_UNITS:
        return f"{x * 100:.0f}%"
    if unit == "usd":
        return f"${x:,.0f}"
    if unit == "days":
        return f"{x:.0f}"
    return f"{x:.1f}".rstrip("0").rstrip(".") if abs(x) < 100 else f"{x:,.0f}"


def band(low: Any, high: Any, unit: str | None) -> str:
    """A benchmark band: 60–80%, 30–60 days, ≤ $150."""
    if is_missing(low) and is_missing(high):
        return "no band"
    suffix = " days" if (unit or "").lower() == "days" else ""
    if is_missing(low) or (float(low) == 0 and (unit or "").lower() in ("days", "usd")):
        return f"≤ {bare(high, unit)}{suffix}"
    if is_missing(high):
        return f"≥ {bare(low, unit)}{suffix}"
    return f"{bare(low, unit)}{DASH}{bare(high, unit)}{suffix}"


def interval(low: Any, high: Any, unit: str | None) -> str:
    """A 95% interval: 49–97%, 20–24 days, $119–$187; 'no interval' when missing."""
    if is_missing(low) or is_missing(high):
        return "no interval"
    suffix = " days" if (unit or "").lower() == "days" else ""
    return f"{bare(low, unit)}{DASH}{bare(high, unit)}{suffix}"


def sample(units: Any) -> str:
    """The unit count behind a value: n = 1,203."""
    return "n = ?" if is_missing(units) else f"n = {int(units):,}"


def change(delta: Any, unit: str | None) -> str:
    """A change: +4 pts, −2.5 days, +$12."""
    if is_missing(delta):
        return "n/a"
    x = float(delta)
    unit = (unit or "").lower()
    sign = "+" if x > 0 else ("−" if x < 0 else "±")
    magnitude = abs(x)
    if unit in RATE_UNITS:
        return f"{sign}{magnitude * 100:.1f} pts"
    if unit == "usd":
        return f"{sign}${magnitude:,.2f}"
    if unit == "days":
        return f"{sign}{magnitude:.1f} days"
    return f"{sign}{magnitude:.1f}"


def change_words(delta: Any, unit: str | None) -> str:
    """A change for a sentence: '4.0 points', '2.5 days', '$12.00'."""
    x = abs(float(delta))
    unit = (unit or "").lower()
    if unit in RATE_UNITS:
        return f"{x * 100:.1f} points"
    if unit == "usd":
        return f"${x:,.2f}"
    if unit == "days":
        return f"{x:.1f} days"
    return f"{x:.1f}"


def day(value_: Any) -> str:
    if is_missing(value_) or value_ is None:
        return DASH
    if isinstance(value_, datetime):
        return value_.strftime("%Y-%m-%d")
    if isinstance(value_, date):
        return value_.isoformat()
    text = str(value_)
    return text[:10]


def stamp(value_: Any) -> str:
    if isinstance(value_, datetime):
        return value_.strftime("%Y-%m-%d %H:%M UTC")
    return DASH if value_ is None else str(value_)


def integer(value_: Any) -> str:
    return DASH if is_missing(value_) else f"{int(value_):,}"


def pct(value_: Any, digits: int = 0) -> str:
    return "n/a" if is_missing(value_) else f"{float(value_) * 100:.{digits}f}%"


def wrap(text: str, width_chars: int, max_lines: int | None = None) -> list[str]:
    """Wrap a text into lines of at most width_chars characters (never empty).

    With max_lines, a longer text keeps its first lines and ends in an
    ellipsis, so one long value (a tenant's legal name) cannot make its table
    row too tall to fit and drop it from the page.
    """
    width = max(8, width_chars)
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, width, break_long_words=True) or [""])
    if max_lines is None or len(lines) <= max_lines:
        return lines
    kept = lines[: max(1, max_lines)]
    kept[-1] = kept[-1][: width - 1].rstrip() + "…"
    return kept


def chars_per_inch(size_pt: float) -> float:
    """Average characters per inch of DejaVu Sans at a size (slightly conservative)."""
    return 72.0 / (0.56 * size_pt)


def humanise(key: Any) -> str:
    """saas_smb -> Saas smb; used only when no label is available."""
    return DASH if key is None else str(key).replace("_", " ")

"""Chart helpers: sparkline and the trend chart with band, interval, threshold and breaches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from tenant_kpis.brief import fmt, style


def _floats(values: Sequence[object]) -> np.ndarray:
    return np.array(
        [np.nan if fmt.is_missing(v) else float(v) for v in values],  # type: ignore[arg-type]
        dtype=float,
    )


def unit_axis(ax: Axes, unit: str, axis: str = "y") -> None:
    formatter = FuncFormatter(lambda v, _pos: fmt.bare(v, unit))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def week_positions(weeks: Sequence[date], history: pd.DataFrame) -> np.ndarray:
    index = {week: i for i, week in enumerate(weeks)}
    return np.array([index.get(w, np.nan) for w in history["week_start"]], dtype=float)


def sparkline(
    ax: Axes,
    weeks: Sequence[date],
    history: pd.DataFrame,
    unit: str,
    empty: str = "no data in 13 weeks",
) -> None:
    """13 weeks of values with the band shaded; the last point is marked."""
    ax.grid(False)
    for spine in ("left", "bottom"):
        ax.spines[spine].set_visible(False)
    ax.set_xticks([])
    ax.set_yticks([])
    x = week_positions(weeks, history)
    y = _floats(list(history["value"]))
    low = _floats(list(history["band_low"]))
    high = _floats(list(history["band_high"]))
    ax.set_xlim(-0.5, len(weeks) - 0.5)
    if len(x):
        ax.fill_between(x, low, high, color=style.BAND, step="mid", linewidth=0)
    if np.all(np.isnan(y)):
        ax.text(
            0.5,
            0.5,
            empty,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=style.TINY,
            color=style.MUTED,
            style="italic",
        )
        return
    lower, upper = interval_band(ax, x, history)
    ax.plot(x, y, color=style.LINE, linewidth=1.3, marker="o", markersize=1.8, zorder=3)
    last = np.where(~np.isnan(y))[0][-1]
    ax.plot([x[last]], [y[last]], marker="o", markersize=4.5, color=style.LINE, zorder=3)
    _pad_limits(ax, y, low, high, lower, upper)


def interval_band(ax: Axes, x: np.ndarray, history: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Shade the value's 95% interval week by week; returns the bounds (NaN where missing)."""
    columns = ("interval_lower", "interval_upper")
    if not all(column in history.columns for column in columns):
        empty = np.full(len(x), np.nan)
        return empty, empty
    lower = _floats(list(history["interval_lower"]))
    upper = _floats(list(history["interval_upper"]))
    known = ~(np.isnan(lower) | np.isnan(upper))
    if known.any():
        ax.fill_between(
            x,
            np.where(known, lower, np.nan),
            np.where(known, upper, np.nan),
            color=style.INTERVAL,
            alpha=style.INTERVAL_ALPHA,
            linewidth=0,
            zorder=2,
            label="95% interval",
        )
    return lower, upper


def _pad_limits(ax: Axes, *series: np.ndarray) -> None:
    values = np.concatenate([s[~np.isnan(s)] for s in series]) if series else np.array([])
    if values.size == 0:
        return
    lo, hi = float(values.min()), float(values.max())
    pad = (hi - lo) * 0.12 or (abs(hi) * 0.1 or 1.0)
    ax.set_ylim(lo - pad, hi + pad)


def trend(
    ax: Axes, weeks: Sequence[date], history: pd.DataFrame, unit: str, threshold: Sequence[object]
) -> None:
    """A KPI over 13 weeks: band, threshold, line, and breaches marked by shape."""
    x = week_positions(weeks, history)
    y = _floats(list(history["value"]))
    low = _floats(list(history["band_low"]))
    high = _floats(list(history["band_high"]))
    thr = _floats(list(threshold))
    ax.set_xlim(-0.5, len(weeks) - 0.5)
    if len(x):
        ax.fill_between(
            x, low, high, color=style.BAND, step="mid", linewidth=0, label="benchmark band"
        )
        ax.step(
            x,
            thr,
            where="mid",
            color=style.THRESHOLD,
            linewidth=0.9,
            linestyle="--",
            label="threshold",
        )
    lower, upper = interval_band(ax, x, history)
    ax.plot(x, y, color=style.LINE, linewidth=1.4, label="value", zorder=3)
    statuses = list(history["status"])
    for key in ("at_risk", "possibly_off_track", "off_track", "on_track"):
        mark = style.STATUSES[key]
        chosen = np.array([s == key for s in statuses], dtype=bool)
        if chosen.any():
            size = 22 if key == "on_track" else 42
            ax.scatter(
                x[chosen],
                y[chosen],
                marker=mark.marker,
                s=size,
                color=mark.color,
                edgecolor=style.INK,
                linewidth=0.5,
                zorder=4,
                label=mark.word,
            )
    if np.all(np.isnan(y)):
        ax.text(
            0.5,
            0.5,
            "no data in these 13 weeks",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=style.SMALL,
            color=style.MUTED,
            style="italic",
        )
    _pad_limits(ax, y, low, high, thr, lower, upper)
    unit_axis(ax, unit)
    ticks = list(range(0, len(weeks), 4))
    if len(weeks) - 1 not in ticks:
        ticks.append(len(weeks) - 1)
    ax.set_xticks(ticks)
    ax.set_xticklabels([fmt.day(weeks[i])[5:] for i in ticks])
    ax.tick_params(length=2)

"""Palette, typography and status markers shared by every page.

The palette is Okabe-Ito (safe for the common colour-vision deficiencies) and
every status is also shown by a marker shape and a word, so the brief reads
in greyscale too.
"""

from __future__ import annotations

from dataclasses import dataclass

FONT_FAMILY = "DejaVu Sans"

# Font sizes in points.
TITLE = 15.0
SUBTITLE = 9.5
HEADING = 11.5
SUBHEADING = 9.0
BODY = 8.5
SMALL = 7.5
TINY = 6.5

INK = "#1a1a1a"
MUTED = "#5f5f5f"
RULE = "#b5b5b5"
GRID = "#e3e3e3"
PANEL = "#f4f4f4"
BAND = "#cfe3f1"  # light sky blue: benchmark band fill
BAND_EDGE = "#56B4E9"
INTERVAL = "#8c8c8c"  # the value's 95% interval around its line: grey, unlike the blue band
INTERVAL_ALPHA = 0.35
LINE = "#0072B2"  # Okabe-Ito blue: the KPI line
THRESHOLD = "#000000"
ACCENT = "#E69F00"

# Sequential colours for categories (personas, bands, arms), Okabe-Ito.
CATEGORY = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
HATCHES = ("", "///", "...", "xxx", "\\\\\\", "---")


@dataclass(frozen=True)
class Status:
    key: str
    word: str
    symbol: str  # unicode glyph for text
    marker: str  # matplotlib marker for charts
    color: str
    hatch: str


STATUSES: dict[str, Status] = {
    "on_track": Status("on_track", "on track", "▲", "^", "#0072B2", ""),
    "at_risk": Status("at_risk", "at risk", "●", "o", "#E69F00", "..."),
    "off_track": Status("off_track", "off track", "▼", "v", "#D55E00", "///"),
    "possibly_off_track": Status(
        "possibly_off_track", "possibly off track", "▽", "v", "#CC79A7", "\\\\\\"
    ),
    "no_data": Status("no_data", "no data", "○", "o", "#8c8c8c", ""),
    "small_sample": Status("small_sample", "too few to judge", "◌", "o", "#8c8c8c", ""),
    "no_target": Status("no_target", "no target", "○", "o", "#8c8c8c", ""),
}

VERDICTS: dict[str, Status] = {
    "scale": Status("scale", "scale", "▲", "^", "#0072B2", ""),
    "iterate": Status("iterate", "iterate", "●", "o", "#E69F00", "..."),
    "stop": Status("stop", "stop", "▼", "v", "#D55E00", "///"),
}

HEALTH_BANDS: dict[str, Status] = {
    "healthy": Status("healthy", "healthy", "▲", "^", "#0072B2", ""),
    "watch": Status("watch", "watch", "●", "o", "#E69F00", "..."),
    "at_risk": Status("at_risk", "at risk", "▼", "v", "#D55E00", "///"),
}


def status(key: object) -> Status:
    """The display of a scorecard status; anything unknown shows as no data."""
    return STATUSES.get(str(key) if key is not None else "no_data", STATUSES["no_data"])


RC_PARAMS: dict[str, object] = {
    "font.family": FONT_FAMILY,
    "font.size": BODY,
    "axes.titlesize": SUBHEADING,
    "axes.labelsize": SMALL,
    "axes.edgecolor": RULE,
    "axes.labelcolor": INK,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": GRID,
    "grid.linewidth": 0.5,
    "xtick.labelsize": TINY,
    "ytick.labelsize": TINY,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "legend.fontsize": TINY,
    "legend.frameon": False,
    "text.color": INK,
    # Dollar amounts are text, never mathtext.
    "text.parse_math": False,
    "pdf.fonttype": 42,
    "svg.hashsalt": "tenant-kpis",
    "path.simplify": True,
}

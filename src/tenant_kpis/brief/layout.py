"""An A4 page with a header, a footer and a vertical cursor for content.

Positions are in inches from the bottom-left corner of the page; the cursor
moves down as sections are placed, and a section that does not fit is cut
with an explicit "not shown" line rather than drawn off the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from tenant_kpis.brief import fmt, style

PAGE_WIDTH = 8.27
PAGE_HEIGHT = 11.69
MARGIN_X = 0.6
MARGIN_TOP = 0.5
MARGIN_BOTTOM = 0.55
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
LINE_SPACING = 1.32


def line_height(size_pt: float) -> float:
    """Height of one text line in inches."""
    return size_pt * LINE_SPACING / 72.0


@dataclass(frozen=True)
class Column:
    header: str
    width: float  # share of the table width
    align: str = "left"
    wrap: bool = False
    max_lines: int | None = None  # wrapped cells: lines kept before an ellipsis


class Page:
    """One page of the brief with header, footer and a content cursor."""

    def __init__(self, number: int, total: int, title: str, header: str, footer: str) -> None:
        self.fig = Figure(figsize=(PAGE_WIDTH, PAGE_HEIGHT))
        self.number = number
        top = PAGE_HEIGHT - MARGIN_TOP
        self.text(MARGIN_X, top, header, size=style.SMALL, color=style.MUTED, va="top")
        self.text(
            PAGE_WIDTH - MARGIN_X,
            top,
            f"Page {number} of {total}",
            size=style.SMALL,
            color=style.MUTED,
            va="top",
            ha="right",
        )
        self.text(
            MARGIN_X, top - 0.28, f"{number}. {title}", size=style.TITLE, weight="bold", va="top"
        )
        self.rule(top - 0.68)
        self.text(
            MARGIN_X, MARGIN_BOTTOM - 0.22, footer, size=style.TINY, color=style.MUTED, va="top"
        )
        self.rule(MARGIN_BOTTOM - 0.12)
        self.cursor = top - 0.85
        self.bottom = MARGIN_BOTTOM

    # ---- primitives -------------------------------------------------------
    def text(self, x: float, y: float, s: str, size: float = style.BODY, **kwargs: object) -> None:
        kwargs.setdefault("color", style.INK)
        kwargs.setdefault("va", "baseline")
        self.fig.text(x / PAGE_WIDTH, y / PAGE_HEIGHT, s, fontsize=size, **kwargs)  # type: ignore[arg-type]

    def rule(self, y: float, x0: float = MARGIN_X, x1: float = PAGE_WIDTH - MARGIN_X) -> None:
        self.fig.add_artist(
            Line2D(
                [x0 / PAGE_WIDTH, x1 / PAGE_WIDTH],
                [y / PAGE_HEIGHT, y / PAGE_HEIGHT],
                color=style.RULE,
                linewidth=0.6,
            )
        )

    def box(
        self,
        x: float,
        y: float,
        width: float,
        height: float,
        color: str = style.PANEL,
        edge: str | None = None,
        hatch: str = "",
    ) -> None:
        self.fig.add_artist(
            Rectangle(
                (x / PAGE_WIDTH, y / PAGE_HEIGHT),
                width / PAGE_WIDTH,
                height / PAGE_HEIGHT,
                facecolor=color,
                edgecolor=edge or "none",
                linewidth=0.6,
                hatch=hatch,
                transform=self.fig.transFigure,
                zorder=-1,
            )
        )

    def axes(self, x: float, y: float, width: float, height: float) -> Axes:
        return self.fig.add_axes(
            (x / PAGE_WIDTH, y / PAGE_HEIGHT, width / PAGE_WIDTH, height / PAGE_HEIGHT)
        )

    @property
    def room(self) -> float:
        return self.cursor - self.bottom

    def take(self, height: float) -> float:
        """Reserve height below the cursor; returns the bottom of the reserved block."""
        self.cursor -= height
        return self.cursor

    def gap(self, height: float = 0.12) -> None:
        self.cursor -= height

    # ---- flowing content --------------------------------------------------
    def heading(self, title: str, note: str | None = None) -> None:
        self.cursor -= line_height(style.HEADING)
        self.text(MARGIN_X, self.cursor, title, size=style.HEADING, weight="bold")
        if note:
            self.text(
                PAGE_WIDTH - MARGIN_X,
                self.cursor,
                note,
                size=style.TINY,
                color=style.MUTED,
                ha="right",
            )
        self.cursor -= 0.08

    def paragraph(
        self,
        text: str,
        size: float = style.BODY,
        x: float = MARGIN_X,
        width: float = CONTENT_WIDTH,
        color: str = style.INK,
        bullet: str = "",
        max_lines: int | None = None,
        **kwargs: object,
    ) -> float:
        """Wrapped text at the cursor; returns the height used."""
        indent = 0.16 if bullet else 0.0
        chars = int((width - indent) * fmt.chars_per_inch(size))
        lines = fmt.wrap(text, chars)
        if max_lines is not None and len(lines) > max_lines:
            lines = [*lines[: max_lines - 1], lines[max_lines - 1].rstrip(" .,;") + " …"]
        fitting = max(0, int(self.room / line_height(size)))
        if fitting < len(lines):
            lines = lines[:fitting]
            if lines:
                lines[-1] = lines[-1].rstrip(" .,;") + " …"
        start = self.cursor
        for index, line in enumerate(lines):
            self.cursor -= line_height(size)
            if index == 0 and bullet:
                self.text(x, self.cursor, bullet, size=size, color=color, **kwargs)
            self.text(x + indent, self.cursor, line, size=size, color=color, **kwargs)
        return start - self.cursor

    def empty_state(self, message: str, height: float = 0.5) -> None:
        """A shaded box with a wrapped message: the section has no data."""
        chars = int((CONTENT_WIDTH - 0.3) * fmt.chars_per_inch(style.BODY))
        lines = fmt.wrap(message, chars)
        needed = max(height, len(lines) * line_height(style.BODY) + 0.2)
        bottom = self.take(needed)
        self.box(MARGIN_X, bottom, CONTENT_WIDTH, needed - 0.06, color=style.PANEL)
        first = bottom + (needed - 0.06) / 2 + (len(lines) - 1) * line_height(style.BODY) / 2
        for index, line in enumerate(lines):
            self.text(
                MARGIN_X + 0.15,
                first - index * line_height(style.BODY),
                line,
                size=style.BODY,
                color=style.MUTED,
                va="center",
                style="italic",
            )

    def table(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[str]],
        size: float = style.SMALL,
        max_height: float | None = None,
        x: float = MARGIN_X,
        width: float = CONTENT_WIDTH,
        empty: str = "None.",
        marker_colors: Sequence[str | None] | None = None,
    ) -> None:
        """A table with a header row, wrapped cells and a 'n more not shown' line."""
        limit = min(self.room, max_height) if max_height is not None else self.room
        lh = line_height(size)
        widths = [c.width * width for c in columns]
        lefts = [x + sum(widths[:i]) for i in range(len(columns))]
        start = self.cursor
        # header
        self.cursor -= lh
        for col, left, w in zip(columns, lefts, widths, strict=True):
            hx = left + (w - 0.05 if col.align == "right" else 0.0)
            self.text(
                hx,
                self.cursor,
                col.header,
                size=size,
                weight="bold",
                ha="right" if col.align == "right" else "left",
            )
        self.cursor -= 0.05
        self.rule(self.cursor, x, x + width)
        if not rows:
            self.cursor -= lh
            self.text(x, self.cursor, empty, size=size, color=style.MUTED, style="italic")
            self.cursor -= 0.05
            return
        shown = 0
        for row_index, row in enumerate(rows):
            cells: list[list[str]] = []
            for col, cell, w in zip(columns, row, widths, strict=True):
                chars = int((w - 0.08) * fmt.chars_per_inch(size))
                cells.append(
                    fmt.wrap(cell, chars, col.max_lines) if col.wrap else [_clip(cell, chars)]
                )
            n_lines = max(len(c) for c in cells)
            needed = n_lines * lh + 0.04
            remaining = len(rows) - row_index
            reserve = lh + 0.04 if remaining > 1 else 0.0
            if (start - self.cursor) + needed + reserve > limit:
                break
            top = self.cursor
            if marker_colors is not None and marker_colors[row_index]:
                self.box(
                    x - 0.06,
                    top - needed + 0.02,
                    0.04,
                    needed - 0.03,
                    color=marker_colors[row_index] or style.PANEL,
                )
            for col, left, w, lines in zip(columns, lefts, widths, cells, strict=True):
                for line_index, line in enumerate(lines):
                    y = top - (line_index + 1) * lh
                    if col.align == "right":
                        self.text(left + w - 0.05, y, line, size=size, ha="right")
                    else:
                        self.text(left, y, line, size=size)
            self.cursor = top - needed
            if row_index < len(rows) - 1:
                self.rule(self.cursor + 0.01, x, x + width)
            shown += 1
        if shown < len(rows):
            self.cursor -= lh
            self.text(
                x,
                self.cursor,
                f"+ {len(rows) - shown} more not shown",
                size=size,
                color=style.MUTED,
                style="italic",
            )
        self.cursor -= 0.05


def _clip(text: str, chars: int) -> str:
    text = str(text)
    return text if len(text) <= chars else text[: max(1, chars - 1)] + "…"

"""Human output of the command line: aligned tables, percentages, amounts and local times.

Widths are terminal columns (``wcwidth``): "山田太郎" takes eight, "Jürgen" six, so the columns
stay aligned for every name an import keeps. Text is measured as the terminal will show it
(control characters replaced, :func:`app.cli.terminal_text`). Imported by the handlers that
print, never at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import wcwidth

from app.cli import terminal_text
from app.timeutil import local_text

NONE = "—"  # a figure that cannot be computed (no inquiries yet), or a value not set
ELLIPSIS = "…"


def width(text: str) -> int:
    """Terminal columns ``text`` takes once printed."""
    return max(0, wcwidth.width(terminal_text(text)))


def one_line(value: object) -> str:
    """A stored value on one line (line breaks of a note become spaces)."""
    text = "" if value is None else str(value)
    return " ".join(text.split()) if ("\n" in text or "\r" in text or "\t" in text) else text


def fit(text: str, columns: int) -> str:
    """``text`` cut to ``columns`` (ending in "…" when cut), not padded."""
    text = terminal_text(one_line(text))
    if width(text) <= columns:
        return text
    if columns <= 1:
        return ELLIPSIS[:columns]
    return str(wcwidth.clip(text, 0, columns - 1)).rstrip() + ELLIPSIS


def pad(text: str, columns: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``columns`` (``>`` right-aligned)."""
    gap = " " * max(0, columns - width(text))
    return gap + text if align == ">" else text + gap


@dataclass(frozen=True)
class Column:
    title: str
    align: str = "<"  # "<" text, ">" figures
    cap: int | None = None  # at most this many columns; longer cells end in "…"


def table(
    columns: Sequence[Column], rows: Iterable[Sequence[object]], indent: str = ""
) -> list[str]:
    """Lines of an aligned table: a header line, then one line per row. Cells are text (None
    and "" print as nothing); each column is as wide as its widest cell, up to its cap."""
    cells = [
        [
            fit(one_line(v), c.cap) if c.cap else terminal_text(one_line(v))
            for c, v in zip(columns, row, strict=True)
        ]
        for row in rows
    ]
    widths = [max([width(c.title), *(width(r[i]) for r in cells)]) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        parts = [pad(v, w, c.align) for v, w, c in zip(values, widths, columns, strict=True)]
        return (indent + "  ".join(parts)).rstrip()

    return [line([c.title for c in columns]), *(line(r) for r in cells)]


def fields(pairs: Iterable[tuple[str, object]], indent: str = "  ") -> list[str]:
    """``Label   value`` lines, the values aligned; pairs without a value are left out."""
    shown = [(label, one_line(v)) for label, v in pairs if v not in (None, "", [], {})]
    if not shown:
        return []
    w = max(width(label) for label, _ in shown)
    return [f"{indent}{pad(label, w)}  {value}" for label, value in shown]


def percent(value: float | None) -> str:
    """``44.0 %`` (as the dashboard writes it), ``—`` when there is nothing to divide."""
    return NONE if value is None else f"{value * 100:.1f} %"


def count(value: int | None) -> str:
    return NONE if value is None else f"{value:,}"


def amount(value: float | None) -> str:
    return NONE if value is None else f"{value:,.2f}"


def hours(value: float | None) -> str:
    return NONE if value is None else f"{value:,.1f} h"


def days(value: float | None) -> str:
    if value is None:
        return NONE
    return f"{value:,.1f} day" if round(value, 1) == 1 else f"{value:,.1f} days"


def when(value: datetime | str | None, with_time: bool = True) -> str:
    """A stored time (naive UTC, or the ISO text of ``--json``) in the user's local time."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        from datetime import UTC

        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        value = parsed
    return local_text(value, with_time)


def heading(title: str) -> list[str]:
    """A section title with a blank line before it."""
    return ["", title]

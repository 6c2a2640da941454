"""The bounds every reader keeps, so that no file can take the machine's memory.

A single value (a cell, a vCard property, an LDIF attribute) is cut to ``VALUE_LIMIT``
characters (1 MB) and the row says so in the import's warnings; a line is never read whole
into memory past that.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

VALUE_LIMIT = 1 << 20  # characters of one value
# a physical line is read in pieces of this size; longer lines are cut
LINE_LIMIT = VALUE_LIMIT + 4096
# cells of one row beyond the header's width that are still kept
MAX_EXTRA_CELLS = 1000


class _Readline(Protocol):
    def readline(self, size: int = -1, /) -> str: ...


def cut_note(what: str) -> str:
    return f"{what}: value longer than 1 MB, only its first 1 MB was kept"


def bounded_lines(
    stream: _Readline, limit: int = LINE_LIMIT, tail: int = 0
) -> Iterator[tuple[str, bool]]:
    """(line, cut) for each line of a text stream; a line longer than ``limit`` characters is
    cut there (the rest is read and dropped, never held) — except its last ``tail``
    characters, which are kept after the cut (the cells after an oversized CSV value). When
    the dropped middle holds an odd number of quote characters, one is put in its place so a
    quoted value stays closed."""
    while True:
        line = stream.readline(limit)
        if not line:
            return
        if len(line) < limit or line.endswith(("\n", "\r")):
            yield line, False
            continue
        kept = ""
        quotes = 0
        while True:
            rest = stream.readline(limit)
            if not rest:
                break
            if tail:
                joined = kept + rest
                dropped = joined[:-tail] if len(joined) > tail else ""
                quotes += dropped.count('"')
                kept = joined[-tail:]
            elif rest[-1:] in ("\n", "\r"):
                kept = "\r\n" if rest.endswith("\r\n") else rest[-1:]
            if len(rest) < limit or rest.endswith(("\n", "\r")):
                break
        yield line + ('"' if quotes % 2 else "") + kept, True

"""The board's sort choices (sorting runs in SQL like every other view; the "due" order is one
of ``app.contacts.SORT_COLUMNS``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BoardSort:
    key: str
    label: str
    sort: str
    descending: bool


BOARD_SORTS: tuple[BoardSort, ...] = (
    BoardSort("newest", "Newest first", "created", True),
    BoardSort("score", "Highest score", "score", True),
    BoardSort("name", "Name A–Z", "name", False),
    BoardSort("due", "Due date", "due", False),
)


def board_sort(key: str) -> BoardSort:
    """The sort choice with this key (the first one when unknown, e.g. an old setting)."""
    return next((s for s in BOARD_SORTS if s.key == key), BOARD_SORTS[0])

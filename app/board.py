"""The board's sort choices (sorting runs in SQL like every other view)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, literal

from app.contacts import SORT_COLUMNS
from db.models import Contact

# Due: an unanswered inquiry's response due time, else the next action; undated cards last.
_NEVER = literal(datetime(9999, 12, 31), Contact.next_action_at.type)
_DUE: Any = func.coalesce(
    case((Contact.first_response_at.is_(None), Contact.response_due_at)),
    Contact.next_action_at,
    _NEVER,
)
SORT_COLUMNS.setdefault("due", _DUE)


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

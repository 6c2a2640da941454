"""The plain values the window shows — a contact's row, the list's query, a stage, an entry of
the undo log, a position in the list's order —
defined without SQLAlchemy, so that the first screen read with the driver alone
(:mod:`app.first_screen`) makes the very objects the ORM path makes. ``app.contacts``,
``app.stages``, ``app.operations`` and ``app.identity`` name them from here."""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.timeutil import utcnow

# a search's count stops here first ("10,000+": app.contacts.count_capped, ui.list_count)
COUNT_CAP = 10_000


@dataclass(frozen=True)
class ContactRow:
    """The small row the list and board show; cached by the views."""

    id: int
    name: str
    email: str | None
    company: str | None
    title: str | None
    stage_key: str
    source: str | None
    created_at: datetime
    score: int | None
    domain_class: str | None
    sales_ready: bool
    response_due_at: datetime | None
    first_response_at: datetime | None
    next_action_at: datetime | None
    persona_name: str | None
    persona_fit: float | None
    version: int = 1  # team mode: a move made on an older version is refused


@dataclass(frozen=True)
class ContactQuery:
    """What the list shows: filters and sort, all applied in SQL."""

    stage_keys: tuple[str, ...] = ()
    source: str | None = None
    search: str | None = None
    sort: str = "created"
    descending: bool = True
    domain_classes: tuple[str, ...] = ()
    batch_id: int | None = None
    consent: str | None = None
    ids: tuple[int, ...] | None = None
    # a named queue of app.queues (e.g. "overdue")
    queue: str | None = None
    # whose contacts (team mode): a person's name; "" for the contacts nobody owns
    owner: str | None = None


@dataclass(frozen=True)
class Key:
    """A position in a query's order: the contact's sort value as stored, and its id
    (``app.paging``)."""

    value: Any
    id: int


@dataclass(frozen=True)
class StageInfo:
    id: int
    key: str
    name: str
    color: str
    position: int
    kind: str

    @property
    def is_side(self) -> bool:
        return self.kind == "side"


@dataclass(frozen=True)
class Deal:
    """A contact's deal: its amount and expected close date (``app.deals``; the board's cards)."""

    contact_id: int
    amount: float | None
    expected_close_at: datetime | None


@dataclass(frozen=True)
class LogEntry:
    """One operation of the undo log, as the Edit menu and ``winnow history`` show it."""

    id: int
    kind: str
    label: str
    at: datetime
    contacts: int
    state: str
    undone_at: datetime | None
    actor: str | None = None  # who did it (app.identity)


@dataclass(frozen=True)
class UndoState:
    """What Undo and Redo would do now (None: nothing)."""

    undo: LogEntry | None = None
    redo: LogEntry | None = None

    @property
    def undo_text(self) -> str:
        return f"Undo {self.undo.label}" if self.undo else "Undo"

    @property
    def redo_text(self) -> str:
        return f"Redo {self.redo.label}" if self.redo else "Redo"


def os_user() -> str:
    """The operating-system user (``LOGNAME``/``USER`` first, as ``getpass`` reads it)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container without passwd entry)
        import os

        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def follow_up_state(
    response_due_at: datetime | None,
    first_response_at: datetime | None,
    now: datetime | None = None,
) -> str | None:
    """``answered``, ``overdue``, ``awaiting`` or None (nothing is due) — for red marks."""
    if response_due_at is None:
        return None
    if first_response_at is not None:
        return "answered"
    return "overdue" if response_due_at < (now or utcnow()) else "awaiting"


def marks_in_order(
    order: Sequence[int], answers: Iterable[tuple[int, int, str]]
) -> dict[int, tuple[str, ...]]:
    """Per contact, its BANT answers in the criteria's ``order`` ("unknown" where it has none),
    from ``(contact, criterion, answer)`` rows; contacts without a row left out (the list's
    and the cards' marks: ``app.qualification.bant_marks``, ``app.first_screen.bant_marks``)."""
    place = {crit_id: index for index, crit_id in enumerate(order)}
    unknown = ["unknown"] * len(order)
    found: dict[int, list[str]] = {}
    for cid, crit_id, answer in answers:
        marks = found.get(cid)
        if marks is None:
            marks = found[cid] = unknown.copy()
        at = place.get(crit_id)
        if at is not None:
            marks[at] = answer
    return {cid: tuple(marks) for cid, marks in found.items()}

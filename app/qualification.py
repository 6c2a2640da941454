"""BANT qualification: criteria are data (Budget, Authority, Need, Timeframe by default; the user
renames, adds and marks which are required); each contact answers each criterion yes / no /
unknown with a note. Qualified = every required criterion is answered yes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from app import hooks
from app.errors import UnknownContact, UsageError
from app.reference import Criterion as Criterion
from app.reference import reference_in
from app.search import driver_rows
from app.timeutil import utcnow
from app.values import marks_in_order
from db.engine import Database
from db.models import BantAnswer, BantCriterion, Contact

ANSWERS = ("unknown", "yes", "no")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class BantItem:
    """One criterion as one contact answered it."""

    key: str
    name: str
    required: bool
    answer: str  # yes | no | unknown
    note: str | None
    updated_at: datetime | None


@dataclass(frozen=True)
class BantStatus:
    contact_id: int
    items: tuple[BantItem, ...]

    @property
    def qualified(self) -> bool:
        return is_qualified([(i.required, i.answer) for i in self.items])

    @property
    def missing(self) -> tuple[str, ...]:
        """Names of the required criteria not yet answered yes."""
        return tuple(i.name for i in _deciding(self.items) if i.answer != "yes")

    def answers(self) -> dict[str, str]:
        return {i.key: i.answer for i in self.items}


@dataclass(frozen=True)
class BantEdit:
    """What :func:`set_bant` changed: {criterion key: ((old answer, old note), (new…))}."""

    contact_id: int
    changes: dict[str, tuple[tuple[str, str | None], tuple[str, str | None]]]

    def undo_values(self) -> tuple[dict[str, str], dict[str, str | None]]:
        """Arguments for :func:`set_bant` that put the old answers back."""
        return (
            {k: old[0] for k, (old, _new) in self.changes.items()},
            {k: old[1] for k, (old, _new) in self.changes.items()},
        )


def _deciding(items: Sequence[BantItem]) -> list[BantItem]:
    required = [i for i in items if i.required]
    return required or list(items)


def is_qualified(answers: Sequence[tuple[bool, str]]) -> bool:
    """(required, answer) pairs → qualified. Every required criterion must be yes; when no
    criterion is marked required, every criterion must be; with no criteria nobody qualifies."""
    required = [a for r, a in answers if r]
    deciding = required or [a for _r, a in answers]
    return bool(deciding) and all(a == "yes" for a in deciding)


def check_answer(value: str) -> str:
    answer = value.strip().lower()
    if answer not in ANSWERS:
        raise UsageError(f"invalid answer {value!r}; use yes, no or unknown")
    return answer


# --- criteria --------------------------------------------------------------------------


def _criterion(c: BantCriterion) -> Criterion:
    return Criterion(c.id, c.key, c.name, bool(c.required), c.position)


def criteria_in(s: Session) -> list[Criterion]:
    """The criteria in display order (read once per transaction: app.reference)."""
    return list(reference_in(s).criteria)


def list_criteria(db: Database) -> list[Criterion]:
    """The qualification criteria in display order."""
    with db.session() as s:
        return criteria_in(s)


def _get(s: Session, key: str) -> BantCriterion:
    row = s.scalar(select(BantCriterion).where(BantCriterion.key == key))
    if row is None:
        keys = [c.key for c in criteria_in(s)]
        raise UsageError(f"unknown criterion {key!r}; criteria: {', '.join(keys) or '(none)'}")
    return row


def key_for_name(name: str) -> str:
    """A stable key made from a display name ("Decision process" → "decision-process")."""
    key = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    if not key or not key[0].isalpha():
        key = "c-" + key if key else "criterion"
    return key[:40]


def add_criterion(
    db: Database, name: str, key: str | None = None, required: bool = True
) -> Criterion:
    """Add a criterion at the end of the list (e.g. "Fit", "Champion")."""
    name = " ".join(name.split())
    if not name:
        raise UsageError("a criterion needs a name")
    key = key or key_for_name(name)
    if not _KEY_RE.match(key):
        raise UsageError(
            f"invalid criterion key {key!r}: use lower-case letters, digits, '-' or '_'"
        )
    with db.session() as s:
        if s.scalar(select(BantCriterion.id).where(BantCriterion.key == key)) is not None:
            raise UsageError(f"a criterion with key {key!r} exists already")
        last = s.scalar(select(func.max(BantCriterion.position)))
        row = BantCriterion(
            key=key, name=name, required=required, position=(last + 1) if last is not None else 0
        )
        s.add(row)
        s.flush()
        return _criterion(row)


def rename_criterion(db: Database, key: str, name: str) -> Criterion:
    name = " ".join(name.split())
    if not name:
        raise UsageError("a criterion needs a name")
    with db.session() as s:
        row = _get(s, key)
        row.name = name
        ids = _answered_contacts(s, row.id)
        s.flush()
        hooks.contacts_changed(s, ids)  # the score explanation names the criterion
        return _criterion(row)


def set_required(db: Database, key: str, required: bool) -> Criterion:
    with db.session() as s:
        row = _get(s, key)
        row.required = required
        return _criterion(row)


def remove_criterion(db: Database, key: str) -> list[int]:
    """Delete a criterion and every answer to it; returns the contacts whose answers went."""
    with db.session() as s:
        row = _get(s, key)
        ids = _answered_contacts(s, row.id)
        s.execute(delete(BantAnswer).where(BantAnswer.criterion_id == row.id))
        s.delete(row)
        s.flush()
        hooks.contacts_changed(s, ids)
        return ids


def reorder_criteria(db: Database, keys: Sequence[str]) -> list[Criterion]:
    with db.session() as s:
        current = [c.key for c in criteria_in(s)]
        for key in keys:
            if key not in current:
                _get(s, key)
        order = list(dict.fromkeys(keys)) + [k for k in current if k not in keys]
        for pos, key in enumerate(order):
            s.execute(update(BantCriterion).where(BantCriterion.key == key).values(position=pos))
        s.flush()
        return criteria_in(s)


def _answered_contacts(s: Session, criterion_id: int) -> list[int]:
    return list(
        s.scalars(
            select(BantAnswer.contact_id).where(
                BantAnswer.criterion_id == criterion_id, BantAnswer.answer != "unknown"
            )
        )
    )


# --- answers ---------------------------------------------------------------------------


def get_bant(db: Database, contact_id: int) -> BantStatus:
    """The contact's answer to every criterion (unknown where none was given)."""
    with db.session() as s:
        if s.get(Contact, contact_id) is None:
            raise UnknownContact(contact_id)
        return bant_in(s, contact_id)


def bant_in(s: Session, contact_id: int) -> BantStatus:
    rows = s.execute(
        select(
            BantCriterion.key,
            BantCriterion.name,
            BantCriterion.required,
            BantAnswer.answer,
            BantAnswer.note,
            BantAnswer.updated_at,
        )
        .outerjoin(
            BantAnswer,
            (BantAnswer.criterion_id == BantCriterion.id) & (BantAnswer.contact_id == contact_id),
        )
        .order_by(BantCriterion.position, BantCriterion.id)
    ).all()
    items = tuple(
        BantItem(k, n, bool(r), a or "unknown", note, at) for k, n, r, a, note, at in rows
    )
    return BantStatus(contact_id, items)


def set_bant(
    db: Database,
    contact_id: int,
    answers: Mapping[str, str] | None = None,
    notes: Mapping[str, str | None] | None = None,
    at: datetime | None = None,
) -> BantEdit:
    """Set answers and/or notes by criterion key; the score follows in the same transaction.

    Raises UsageError for an unknown criterion or answer before anything is written.
    """
    answers = {k: check_answer(v) for k, v in (answers or {}).items()}
    notes = {k: ((v or "").strip() or None) for k, v in (notes or {}).items()}
    with db.session() as s:
        if s.get(Contact, contact_id) is None:
            raise UnknownContact(contact_id)
        crit = {c.key: c for c in criteria_in(s)}
        for key in (*answers, *notes):
            if key not in crit:
                raise UsageError(
                    f"unknown criterion {key!r}; criteria: {', '.join(crit) or '(none)'}"
                )
        existing = {
            a.criterion_id: a
            for a in s.scalars(select(BantAnswer).where(BantAnswer.contact_id == contact_id))
        }
        when = at or utcnow()
        changes: dict[str, tuple[tuple[str, str | None], tuple[str, str | None]]] = {}
        for key in dict.fromkeys([*answers, *notes]):
            c = crit[key]
            row = existing.get(c.id)
            old = (row.answer, row.note) if row is not None else ("unknown", None)
            new = (answers.get(key, old[0]), notes[key] if key in notes else old[1])
            if new == old:
                continue
            changes[key] = (old, new)
            if new == ("unknown", None):
                if row is not None:
                    s.delete(row)
            elif row is None:
                s.add(
                    BantAnswer(
                        contact_id=contact_id,
                        criterion_id=c.id,
                        answer=new[0],
                        note=new[1],
                        updated_at=when,
                    )
                )
            else:
                row.answer, row.note, row.updated_at = new[0], new[1], when
        if changes:
            s.flush()
            hooks.contacts_changed(s, [contact_id], "answers")
    return BantEdit(contact_id, changes)


# built once (the list reads marks for each block of rows it shows): Core, no ORM objects
_CRITERIA_ORDER = select(BantCriterion.id).order_by(BantCriterion.position, BantCriterion.id)
_ANSWERS_OF = select(BantAnswer.contact_id, BantAnswer.criterion_id, BantAnswer.answer).where(
    BantAnswer.contact_id.in_(bindparam("ids", expanding=True))
)
# the same for the driver (SQLite), its IN list's parameters written out once per length
_ANSWERS_SQL = "SELECT contact_id, criterion_id, answer FROM bant_answers WHERE contact_id IN "
# _CRITERIA_ORDER as SQLAlchemy compiles it for SQLite (tests/app/test_qualification.py)
_CRITERIA_ORDER_SQL = (
    "SELECT bant_criteria.id \nFROM bant_criteria ORDER BY bant_criteria.position, bant_criteria.id"
)
# PostgreSQL: the criteria (their order) and the answers in one statement, one round trip,
# the ids as one array (one text for any number of them); a criterion's row has no contact
_MARKS_PG_SQL = (
    "SELECT NULL::integer, id, NULL::text, position FROM bant_criteria"
    " UNION ALL SELECT contact_id, criterion_id, answer, NULL::integer FROM bant_answers"
    " WHERE contact_id = ANY(%s::integer[])"
)


def bant_marks(db: Database, contact_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Per contact, the answers in criterion order (the small marks on cards and in the list).
    Contacts with no answer at all are left out (all unknown).

    Read with the list's rows at each keystroke of a search (100 contacts, up to 4 answers
    each): on SQLite through the driver, rows fetched at once and each answer put in its
    place (SQLAlchemy's rendering of the 100 ids and reading row by row was ~85 % of it),
    both statements on the driver's cursor (:func:`app.search.driver_rows`: SQLAlchemy's
    execution and result around them cost twice the reads of a keystroke's 40 contacts)."""
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    with db.session() as s:
        conn = s.connection()
        if conn.dialect.name == "postgresql":
            return _marks_pg(conn, ids)
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            order = [r[0] for r in driver_rows(conn, _CRITERIA_ORDER_SQL)]
        else:
            order = list(conn.execute(_CRITERIA_ORDER).scalars())
        rows: list[Any] = []
        for i in range(0, len(ids), 900):
            chunk = ids[i : i + 900]
            if sqlite:
                marks = ",".join("?" * len(chunk))
                rows += driver_rows(conn, f"{_ANSWERS_SQL}({marks})", chunk)
            else:
                rows += conn.execute(_ANSWERS_OF, {"ids": chunk}).all()
    return marks_in_order(order, rows)


def _marks_pg(conn: Connection, ids: list[int]) -> dict[int, tuple[str, ...]]:
    """:func:`bant_marks` on PostgreSQL: one statement (:data:`_MARKS_PG_SQL`)."""
    rows = conn.exec_driver_sql(_MARKS_PG_SQL, (ids,)).all()
    criteria = sorted((position, crit_id) for cid, crit_id, _a, position in rows if cid is None)
    return marks_in_order(
        [crit_id for _p, crit_id in criteria],
        ((cid, crit_id, answer) for cid, crit_id, answer, _p in rows if cid is not None),
    )


def qualified_ids(db: Database, contact_ids: Sequence[int]) -> set[int]:
    """Which of these contacts are qualified (every required criterion yes)."""
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    with db.session() as s:
        crits = criteria_in(s)
        marks: dict[int, dict[int, str]] = {}
        for i in range(0, len(ids), 900):
            for cid, crit_id, answer in s.execute(
                select(BantAnswer.contact_id, BantAnswer.criterion_id, BantAnswer.answer).where(
                    BantAnswer.contact_id.in_(ids[i : i + 900]), BantAnswer.answer == "yes"
                )
            ):
                marks.setdefault(cid, {})[crit_id] = answer
    return {
        cid
        for cid, got in marks.items()
        if is_qualified([(c.required, got.get(c.id, "unknown")) for c in crits])
    }

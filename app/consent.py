"""Consent to marketing (seed 002: no permission, no lead): unknown / granted / withdrawn, with
when and how. Marketing exports keep only contacts whose consent is granted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update

from app import hooks
from app.errors import UnknownContact, UsageError
from app.timeutil import utcnow
from db.engine import Database
from db.models import Contact

CONSENT_STATES = ("unknown", "granted", "withdrawn")
CONSENT_LABELS = {"unknown": "Unknown", "granted": "Granted", "withdrawn": "Withdrawn"}


@dataclass(frozen=True)
class ConsentState:
    state: str
    at: datetime | None
    how: str | None


@dataclass(frozen=True)
class ConsentEdit:
    """One contact's consent before and after a change (for undo)."""

    contact_id: int
    old: ConsentState
    new: ConsentState


def check_state(value: str) -> str:
    state = value.strip().lower()
    if state not in CONSENT_STATES:
        raise UsageError(f"invalid consent {value!r}; use {', '.join(CONSENT_STATES)}")
    return state


def set_consent(
    db: Database,
    contact_ids: Sequence[int],
    state: str,
    how: str | None = None,
    at: datetime | None = None,
) -> list[ConsentEdit]:
    """Record consent for contacts. ``unknown`` clears when and how; the others record when
    (``at``, default now) and how ("web form checkbox", "asked by phone", …)."""
    state = check_state(state)
    how = (how or "").strip() or None
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    new = (
        ConsentState(state, None, None)
        if state == "unknown"
        else ConsentState(state, at or utcnow(), how)
    )
    edits: list[ConsentEdit] = []
    with db.session() as s:
        old: dict[int, ConsentState] = {}
        for i in range(0, len(ids), 900):
            for cid, st, when, hw in s.execute(
                select(Contact.id, Contact.consent, Contact.consent_at, Contact.consent_how).where(
                    Contact.id.in_(ids[i : i + 900])
                )
            ):
                old[cid] = ConsentState(st or "unknown", when, hw)
        missing = [i for i in ids if i not in old]
        if missing:
            raise UnknownContact(missing[0])
        changing = [i for i in ids if old[i] != new]
        for i in range(0, len(changing), 900):
            s.execute(
                update(Contact)
                .where(Contact.id.in_(changing[i : i + 900]))
                .values(consent=new.state, consent_at=new.at, consent_how=new.how)
            )
        edits = [ConsentEdit(i, old[i], new) for i in changing]
        s.flush()
        hooks.contacts_changed(s, changing)
    return edits


def restore_consent(db: Database, edits: Sequence[ConsentEdit]) -> None:
    """Put back what :func:`set_consent` replaced (undo)."""
    with db.session() as s:
        for e in edits:
            s.execute(
                update(Contact)
                .where(Contact.id == e.contact_id)
                .values(consent=e.old.state, consent_at=e.old.at, consent_how=e.old.how)
            )
        s.flush()
        hooks.contacts_changed(s, [e.contact_id for e in edits])


def get_consent(db: Database, contact_id: int) -> ConsentState:
    with db.session() as s:
        row = s.execute(
            select(Contact.consent, Contact.consent_at, Contact.consent_how).where(
                Contact.id == contact_id
            )
        ).first()
    if row is None:
        raise UnknownContact(contact_id)
    return ConsentState(row[0] or "unknown", row[1], row[2])


def marketing_allowed() -> ColumnElement[bool]:
    """SQL condition: the contact may receive marketing (consent granted)."""
    return Contact.consent == "granted"


def split_for_marketing(db: Database, contact_ids: Sequence[int]) -> tuple[list[int], int]:
    """(ids with consent granted, in the given order; how many were left out)."""
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    allowed: set[int] = set()
    with db.session() as s:
        for i in range(0, len(ids), 900):
            allowed.update(
                s.scalars(
                    select(Contact.id).where(Contact.id.in_(ids[i : i + 900]), marketing_allowed())
                )
            )
    kept = [i for i in ids if i in allowed]
    return kept, len(ids) - len(kept)


def consent_counts(db: Database) -> dict[str, Any]:
    """Contacts per consent state (every state listed)."""
    with db.session() as s:
        rows = dict(
            s.execute(select(Contact.consent, func.count()).group_by(Contact.consent)).all()
        )
    return {st: int(rows.get(st, 0)) for st in CONSENT_STATES}

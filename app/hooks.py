"""Derived data kept in step with contacts, inside the transaction that changed them.

Two things derive from a contact's own fields: the go-look columns (domain class, persona fit)
and the score with its follow-up times. Every write path calls :func:`contacts_changed` with
the ids it created or changed; the score runs last because it reads the persona fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# What changed, when the caller knows: a move, an activity or a BANT answer ("answers")
# changes no e-mail address or job title, so the go-look columns need no second look.
# "restored": an undo or redo put stored values back, so nothing stored may be trusted.
ChangeKind = Literal["fields", "stage", "activity", "answers", "restored"]


def contacts_changed(
    session: Session, contact_ids: Sequence[int], what: ChangeKind | str = "fields"
) -> None:
    """Recompute what derives from these contacts (same transaction)."""
    if not contact_ids:
        return
    # both read with Core, which flushes nothing: what the caller's session holds unflushed
    # (the contact's first move, its answers) is written first, as the ORM would before a read
    if session.autoflush:
        session.flush()
    # imported here: both modules import the contact model's helpers that import this one
    from app import scoring
    from app.golook import derived

    if what == "fields":
        derived.contacts_changed(session, contact_ids)
    elif what == "restored":
        derived.contacts_changed(session, contact_ids, reclassify=True)
    scoring.rescore_contacts(session, contact_ids, what)


def contacts_entered_inquiry(session: Session, contact_ids: Sequence[int], at: datetime) -> None:
    """These contacts were just moved into Inquiry at ``at`` (a move or its redo): only the
    follow-up times that move changes are worked out again (``app.scoring.entered_inquiry``)."""
    if not contact_ids:
        return
    from app import scoring

    scoring.entered_inquiry(session, contact_ids, at)


def inquiry_moves_reversed(
    session: Session, operation_id: int, contact_ids: Sequence[int], *, undone: bool
) -> None:
    """An operation's moves of these contacts into Inquiry were undone or redone: the
    follow-up times they change worked out again (``app.scoring.inquiry_moves_reversed``)."""
    if not contact_ids:
        return
    from app import scoring

    scoring.inquiry_moves_reversed(session, operation_id, contact_ids, undone=undone)

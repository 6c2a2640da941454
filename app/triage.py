"""Triage: going through new names one at a time and deciding what each one is.

A contact counts as triaged once a decision was made about it (``Contact.triaged_at``). The
default queue is the Suspects and Inquiries nobody has triaged yet, oldest first; a queue can
also be one import batch (the 700 cards from the fishbowl).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.sql.elements import ColumnElement

from app import activities, contacts, moves
from app.activities import ActivityInfo
from app.contacts import ContactDetail, ContactQuery
from app.golook import verdict_for_contact
from app.moves import HistoryEntry
from app.qualification import BantItem, get_bant
from app.timeutil import utcnow
from db.engine import Database
from db.models import Contact, ImportBatch, Stage

# the stages whose contacts still wait for a first decision
UNTRIAGED_STAGES = ("suspect", "inquiry")


def untriaged_condition(_now: datetime) -> ColumnElement[bool]:
    """SQL condition: a Suspect or Inquiry nobody has made a decision about yet."""
    return and_(
        Contact.triaged_at.is_(None),
        Contact.stage_id.in_(select(Stage.id).where(Stage.key.in_(UNTRIAGED_STAGES))),
    )


def untriaged_query(batch_id: int | None = None) -> ContactQuery:
    """The default triage queue (optionally one import batch), oldest first."""
    return ContactQuery(queue="untriaged", batch_id=batch_id, sort="created", descending=False)


def batch_query(batch_id: int, only_untriaged: bool = False) -> ContactQuery:
    """Every contact of one import batch (or only those not yet triaged), in import order."""
    return ContactQuery(
        batch_id=batch_id,
        queue="untriaged" if only_untriaged else None,
        sort="created",
        descending=False,
    )


def mark_triaged(db: Database, contact_ids: Sequence[int], at: datetime | None = None) -> list[int]:
    """Record that a decision was made; returns the ids that were not triaged before
    (what :func:`clear_triaged` must reset to undo this)."""
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    when = at or utcnow()
    newly: list[int] = []
    with db.session() as s:
        for i in range(0, len(ids), 900):
            chunk = ids[i : i + 900]
            fresh = list(
                s.scalars(
                    select(Contact.id).where(Contact.id.in_(chunk), Contact.triaged_at.is_(None))
                )
            )
            if fresh:
                s.execute(update(Contact).where(Contact.id.in_(fresh)).values(triaged_at=when))
            newly.extend(fresh)
    return newly


def clear_triaged(db: Database, contact_ids: Sequence[int]) -> None:
    """Undo :func:`mark_triaged`: the contacts wait for a decision again."""
    ids = list(contact_ids)
    with db.session() as s:
        for i in range(0, len(ids), 900):
            s.execute(
                update(Contact).where(Contact.id.in_(ids[i : i + 900])).values(triaged_at=None)
            )


@dataclass(frozen=True)
class BatchChoice:
    """An import batch as the triage queue picker shows it."""

    id: int
    label: str
    created_at: datetime
    contacts: int
    untriaged: int


def list_import_batches(db: Database, limit: int = 50) -> list[BatchChoice]:
    """Import batches that still have contacts, newest first, with how many wait for triage."""
    cond = untriaged_condition(utcnow())
    with db.session() as s:
        rows = s.execute(
            select(
                ImportBatch.id,
                ImportBatch.source,
                ImportBatch.file_name,
                ImportBatch.created_at,
                func.count(Contact.id),
                func.coalesce(func.sum(case((cond, 1), else_=0)), 0),
            )
            .join(Contact, Contact.import_batch_id == ImportBatch.id)
            .where(ImportBatch.undone_at.is_(None))
            .group_by(ImportBatch.id)
            .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
            .limit(limit)
        ).all()
    out = []
    for bid, source, file_name, created, n, open_n in rows:
        name = source or file_name or f"Import {bid}"
        out.append(BatchChoice(int(bid), str(name), created, int(n), int(open_n)))
    return out


@dataclass
class TriageCard:
    """All the evidence for one decision."""

    contact: ContactDetail
    activities: list[ActivityInfo]
    bant: list[BantItem]
    history: list[HistoryEntry]
    verdict: str | None = None


def golook_verdict(db: Database, contact_id: int) -> str | None:
    """The go-look one-line verdict from cached evidence (no network); None for an unknown id."""
    return verdict_for_contact(db, contact_id)


def triage_card(db: Database, contact_id: int) -> TriageCard:
    """The contact with its activities, BANT answers, stage history and go-look verdict."""
    detail = contacts.get_contact(db, contact_id)
    return TriageCard(
        contact=detail,
        activities=activities.list_activities(db, contact_id),
        bant=list(get_bant(db, contact_id).items),
        history=moves.history(db, contact_id),
        verdict=golook_verdict(db, contact_id),
    )

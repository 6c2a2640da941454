"""The contacts an export writes, read from the database in chunks (flat memory)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app import contacts
from app.points import ContactPoints, read_points
from db.engine import Database
from db.models import BantAnswer, BantCriterion, Contact, Stage

CHUNK = 1000


@dataclass(frozen=True)
class ExportRecord:
    """One contact as an export writes it (plain values)."""

    id: int
    name: str
    first_name: str | None
    last_name: str | None
    email: str | None
    other_emails: tuple[str, ...]
    phone: str | None
    company: str | None
    title: str | None
    website: str | None
    city: str | None
    country: str | None
    industry: str | None
    stage_key: str
    stage_name: str
    stage_changed_at: datetime | None
    source: str | None
    score: int | None
    consent: str
    tags: str | None
    notes: str | None
    next_action_at: datetime | None
    created_at: datetime
    # every e-mail, phone and postal address, with kinds, the primary one first
    points: ContactPoints = field(default_factory=ContactPoints)


_COLUMNS = (
    Contact.id,
    Contact.name,
    Contact.first_name,
    Contact.last_name,
    Contact.email,
    Contact.other_emails,
    Contact.phone,
    Contact.company,
    Contact.title,
    Contact.website,
    Contact.city,
    Contact.country,
    Contact.industry,
    Stage.key,
    Stage.name,
    Contact.stage_changed_at,
    Contact.source,
    Contact.score,
    Contact.consent,
    Contact.tags,
    Contact.notes,
    Contact.next_action_at,
    Contact.created_at,
)


def _other_emails(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    try:
        value = json.loads(raw)
    except ValueError:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _load(db: Database, ids: Sequence[int]) -> dict[int, ExportRecord]:
    stmt = (
        select(*_COLUMNS)
        .select_from(Contact)
        .join(Stage, Contact.stage_id == Stage.id)
        .where(Contact.id.in_(list(ids)))
    )
    out: dict[int, ExportRecord] = {}
    with db.session() as s:
        lists = read_points(s, ids)
        for r in s.execute(stmt):
            values = list(r)
            values[5] = _other_emails(values[5])
            values[18] = values[18] or "unknown"
            values.append(lists.get(r[0], ContactPoints()))  # points, the last field
            out[r[0]] = ExportRecord(*values)
    return out


def iter_records(
    db: Database,
    query: contacts.ContactQuery,
    *,
    ids: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Iterator[ExportRecord]:
    """Every contact the query selects, in its order, ``CHUNK`` rows at a time."""
    all_ids = list(ids) if ids is not None else contacts.query_ids(db, query)
    total = len(all_ids)
    done = 0
    for start in range(0, total, CHUNK):
        if cancelled is not None and cancelled():
            return
        chunk = all_ids[start : start + CHUNK]
        rows = _load(db, chunk)
        for i in chunk:
            if i in rows:
                yield rows[i]
        done += len(chunk)
        if progress is not None:
            progress(done, total)


@dataclass(frozen=True)
class Criterion:
    id: int
    key: str
    name: str
    required: bool


def bant_criteria(db: Database) -> list[Criterion]:
    with db.session() as s:
        rows = s.execute(
            select(
                BantCriterion.id, BantCriterion.key, BantCriterion.name, BantCriterion.required
            ).order_by(BantCriterion.position, BantCriterion.id)
        ).all()
    return [Criterion(int(r[0]), str(r[1]), str(r[2]), bool(r[3])) for r in rows]


def bant_answers(db: Database, ids: Sequence[int]) -> dict[int, dict[int, tuple[str, str | None]]]:
    """contact id -> criterion id -> (answer, note)."""
    out: dict[int, dict[int, tuple[str, str | None]]] = {}
    with db.session() as s:
        rows = s.execute(
            select(
                BantAnswer.contact_id, BantAnswer.criterion_id, BantAnswer.answer, BantAnswer.note
            ).where(BantAnswer.contact_id.in_(list(ids)))
        )
        for cid, crit, answer, note in rows:
            out.setdefault(int(cid), {})[int(crit)] = (str(answer or "unknown"), note)
    return out

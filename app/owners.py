"""Owners (team mode): who is working a contact. A person's name, free text — on PostgreSQL
usually their role, on SQLite whoever the team agrees on; ``me`` is the current actor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from app.errors import UsageError
from db.engine import Database
from db.models import Contact

MAX_NAME = 200


@dataclass(frozen=True)
class AssignResult:
    """What an assignment did: ``owner`` None is nobody (the contacts were released)."""

    owner: str | None
    assigned: tuple[int, ...]  # contacts whose owner changed
    unchanged: tuple[int, ...]  # already theirs


def check_owner(name: str | None) -> str | None:
    """A clean owner name (None: nobody); refuses one that is too long or has line breaks."""
    if name is None:
        return None
    cleaned = name.strip()
    if not cleaned:
        return None
    if len(cleaned) > MAX_NAME:
        raise UsageError(f"an owner's name has at most {MAX_NAME} characters")
    if any(ch in cleaned for ch in "\r\n\t"):
        raise UsageError("an owner's name is one line")
    return cleaned


def list_owners(db: Database) -> list[tuple[str, int]]:
    """Every owner with how many contacts they work, most first (for menus and filters)."""
    with db.session() as s:
        rows = s.execute(
            select(Contact.owner, func.count())
            .where(Contact.owner.is_not(None))
            .group_by(Contact.owner)
            .order_by(func.count().desc(), Contact.owner)
        ).all()
    return [(str(o), int(n)) for o, n in rows]


def owners_of(db: Database, contact_ids: Sequence[int]) -> dict[int, str | None]:
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    out: dict[int, str | None] = {}
    with db.session() as s:
        for i in range(0, len(ids), 900):
            chunk = ids[i : i + 900]
            out.update(
                {
                    int(c): o
                    for c, o in s.execute(
                        select(Contact.id, Contact.owner).where(Contact.id.in_(chunk))
                    )
                }
            )
    return out

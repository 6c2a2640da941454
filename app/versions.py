"""No lost update: every change to a contact bumps its version; a change made on a stale
version is refused, naming who changed what since.

The version is checked inside the operation's write transaction, after the write lock is
taken (SQLite ``BEGIN IMMEDIATE``, PostgreSQL's advisory lock): between the check and the
commit nobody else writes, so of two people saving on the same version exactly one wins.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Integer, bindparam, select, union, update
from sqlalchemy.orm import Session

from app.errors import UnknownContact, WinnowError
from db.engine import Database
from db.models import Contact, Operation, OperationRow, StageChange

# what a contact image may differ in without being a change someone made to the contact
_NOT_FIELDS = frozenset(
    {
        "version",
        "changed_by",
        "updated_at",
        "score",
        "score_breakdown",
        "sales_ready",
        "response_due_at",
        "first_response_at",
        "domain_class",
        "persona_name",
        "persona_fit",
        "name",
        "sort_name",
        "email_normalized",
        "domain",
    }
)


@dataclass(frozen=True)
class LaterChange:
    """One operation that changed the contact since the version the caller had."""

    operation_id: int
    actor: str | None
    label: str
    at: datetime
    fields: tuple[str, ...]  # the contact's own fields it changed (labels), if any

    def describe(self) -> str:
        who = self.actor or "someone"
        what = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"{who}: {self.label}{what}"


class StaleVersion(WinnowError):
    """The contact changed since the caller read it: nothing was saved."""

    def __init__(
        self,
        contact_id: int,
        name: str,
        expected: int,
        current: int,
        changed_by: str | None,
        changes: Sequence[LaterChange],
    ) -> None:
        self.contact_id = contact_id
        self.name = name
        self.expected = expected
        self.current = current
        self.changed_by = changed_by
        self.changes = tuple(changes)
        who = changed_by or "someone else"
        what = "; ".join(c.describe() for c in self.changes)
        super().__init__(
            f"{name or f'contact {contact_id}'} (contact {contact_id}) was changed by {who} "
            f"since version {expected} (it is at version {current} now)"
            + (f" — {what}" if what else "")
            + ". Nothing was saved: load it again and re-apply your change."
        )


def _ids(ids: Sequence[int]) -> BindParameter[Any]:
    return bindparam(None, list(ids), type_=Integer(), expanding=True)


def check_versions(s: Session, expected: Mapping[int, int]) -> None:
    """Refuse (:class:`StaleVersion`) when a contact is not at the version expected."""
    if not expected:
        return
    ids = [int(i) for i in expected]
    rows = {
        int(r[0]): r
        for r in s.execute(
            select(Contact.id, Contact.version, Contact.changed_by, Contact.name).where(
                Contact.id.in_(_ids(ids))
            )
        )
    }
    for cid in ids:
        row = rows.get(cid)
        if row is None:
            raise UnknownContact(cid)
        if int(row[1]) != int(expected[cid]):
            since = later_changes(s, cid, int(row[1]) - int(expected[cid]))
            raise StaleVersion(
                cid, str(row[3] or ""), int(expected[cid]), int(row[1]), row[2], since
            )


def later_changes(s: Session, contact_id: int, count: int) -> list[LaterChange]:
    """The newest ``count`` operations (at most 5) of the undo log that changed the contact,
    newest first."""
    if count <= 0:
        return []
    touched = union(
        select(OperationRow.operation_id).where(OperationRow.contact_id == contact_id),
        select(StageChange.operation_id).where(
            StageChange.contact_id == contact_id, StageChange.operation_id.is_not(None)
        ),
    ).subquery()
    ops = s.execute(
        select(Operation.id, Operation.created_by, Operation.label, Operation.at)
        .where(Operation.id.in_(select(touched.c[0])), Operation.state == "done")
        .order_by(Operation.id.desc())
        .limit(min(count, 5))
    ).all()
    if not ops:
        return []
    from app.fields import FIELD_LABELS

    fields_of: dict[int, list[str]] = {}
    for op_id, before, after in s.execute(
        select(OperationRow.operation_id, OperationRow.before, OperationRow.after).where(
            OperationRow.operation_id.in_(_ids([int(o[0]) for o in ops])),
            OperationRow.table_name == "contacts",
            OperationRow.contact_id == contact_id,
        )
    ):
        b = json.loads(before) if before else {}
        a = json.loads(after) if after else {}
        changed = [
            FIELD_LABELS.get(k, k.replace("_", " ").capitalize())
            for k in a
            if k not in _NOT_FIELDS and k != "id" and a.get(k) != b.get(k)
        ]
        fields_of.setdefault(int(op_id), []).extend(changed)
    return [
        LaterChange(int(i), who, str(label), at, tuple(fields_of.get(int(i), ())))
        for i, who, label, at in ops
    ]


def bump_versions(
    s: Session, contact_ids: Sequence[int], actor: str, *, created: Sequence[int] = ()
) -> None:
    """One more version for each contact, changed by ``actor`` (set-based, by chunks); new
    contacts (``created``) keep their first version and only say who made them."""
    for ids, values in (
        (sorted({int(i) for i in contact_ids}), {"version": Contact.version + 1}),
        (sorted({int(i) for i in created}), {}),
    ):
        for i in range(0, len(ids), 20000):
            s.execute(
                update(Contact)
                .where(Contact.id.in_(_ids(ids[i : i + 20000])))
                .values(**values, changed_by=actor)
                .execution_options(synchronize_session=False)
            )


def expected_after_own(
    db: Database, expected: Mapping[int, int], own_operations: Collection[int]
) -> dict[int, int]:
    """The versions to expect of these contacts, shown at ``expected``, when the caller's own
    operations (``own_operations``: ids in the undo log) may have changed them since — a
    window that answered a contact's BANT and then moves it at once, before it read the
    contact again, did not lose anybody's update. A contact changed since only by those
    operations is expected at its version now; one that someone else changed (or that changed
    outside the undo log) keeps the version shown, and the operation refuses it."""
    out = {int(k): int(v) for k, v in expected.items()}
    if not out or not own_operations:
        return out
    own = {int(i) for i in own_operations}
    with db.session() as s:
        now = {
            int(i): int(v)
            for i, v in s.execute(
                select(Contact.id, Contact.version).where(Contact.id.in_(_ids(list(out))))
            )
        }
        for cid, shown in out.items():
            ahead = now.get(cid, shown) - shown
            if ahead <= 0:
                continue
            touched = union(
                select(OperationRow.operation_id).where(OperationRow.contact_id == cid),
                select(StageChange.operation_id).where(
                    StageChange.contact_id == cid, StageChange.operation_id.is_not(None)
                ),
            ).subquery()
            # the newest operations that touched it, whatever their state: an undo or redo
            # bumps the version without an entry of its own (it flips one's state)
            since = s.execute(
                select(Operation.id, Operation.state)
                .where(Operation.id.in_(select(touched.c[0])))
                .order_by(Operation.id.desc())
                .limit(ahead)
            ).all()
            if len(since) == ahead and all(int(i) in own and st == "done" for i, st in since):
                out[cid] = now[cid]
    return out

"""Assigning contacts to an owner, as an operation (undoable, recorded with who did it)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Integer, bindparam, select, update

from app.errors import UnknownContact
from app.operations.changes import Changes
from app.operations.core import OpContext, OpResult, run_operation
from app.owners import AssignResult, check_owner
from db.engine import Database
from db.models import Contact


def _who(n: int) -> str:
    return "1 contact" if n == 1 else f"{n:,} contacts"


def assign_owner(
    db: Database, contact_ids: Sequence[int], owner: str | None
) -> OpResult[AssignResult]:
    """Make ``owner`` (None: nobody) the owner of these contacts. Every id must exist."""
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    name = check_owner(owner)

    def body(ctx: OpContext) -> AssignResult:
        s = ctx.session
        current: dict[int, str | None] = {}
        for i in range(0, len(ids), 20000):
            chunk = bindparam(None, ids[i : i + 20000], type_=Integer(), expanding=True)
            current.update(
                {
                    int(c): o
                    for c, o in s.execute(
                        select(Contact.id, Contact.owner).where(Contact.id.in_(chunk))
                    )
                }
            )
        missing = [i for i in ids if i not in current]
        if missing:
            raise UnknownContact(missing[0])
        changing = [i for i in ids if current[i] != name]
        ctx.track_contacts(changing)
        for i in range(0, len(changing), 20000):
            chunk = bindparam(None, changing[i : i + 20000], type_=Integer(), expanding=True)
            s.execute(
                update(Contact)
                .where(Contact.id.in_(chunk))
                .values(owner=name)
                .execution_options(synchronize_session=False)
            )
        ctx.label = (
            f"assignment of {_who(len(changing))} to {name}"
            if name is not None
            else f"release of {_who(len(changing))} (no owner)"
        )
        ctx.note(Changes.of(contacts=changing))
        return AssignResult(name, tuple(changing), tuple(i for i in ids if current[i] == name))

    return run_operation(db, "assign", body, label="assignment")

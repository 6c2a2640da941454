"""Operations on a contact's e-mail addresses, phones and postal addresses (``app.points``)."""

from __future__ import annotations

from app import contacts as contacts_mod
from app import points as points_mod
from app.operations.changes import Changes
from app.operations.core import OpContext, OpResult, run_operation
from db.engine import Database
from db.models import Contact, ContactPoint


def set_contact_points(
    db: Database, contact_id: int, lists: points_mod.ContactPoints
) -> OpResult[contacts_mod.FieldEdit]:
    """Replace a contact's e-mail addresses, phones and postal addresses (validated like the
    edit form's fields; the first one marked primary is the primary one). The contact's own
    e-mail, phone, city and country follow the primary ones. One undoable operation."""

    def body(ctx: OpContext) -> contacts_mod.FieldEdit:
        ctx.track_contacts([contact_id])
        ctx.track(ContactPoint, ContactPoint.contact_id == contact_id)
        name = ctx.session.get(Contact, contact_id)
        if name is None:
            raise contacts_mod.UnknownContact(contact_id)
        ctx.label = f"edit of {name.name or f'contact {contact_id}'}'s addresses and phones"
        fields = points_mod.store_points(ctx.session, contact_id, lists)
        edit = contacts_mod.update_contact(db, contact_id, **fields)
        ctx.note(Changes.of(contacts=[contact_id]))
        return edit

    return run_operation(db, "edit", body, label="edit")

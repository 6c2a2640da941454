"""Undo and redo bring back what derives from the restored values, not what was stored last."""

from __future__ import annotations

from app import contacts, operations
from db.engine import Database


def test_undoing_an_address_change_brings_back_its_domain_class(db: Database) -> None:
    cid = contacts.create_contact(db, name="Anna Becker", email="anna@gmail.com")
    assert contacts.get_contact(db, cid).domain_class == "free"
    operations.edit_contact(db, cid, {"email": "anna@acme-widgets.de"})
    assert contacts.get_contact(db, cid).domain_class == "branded"
    operations.undo_operation(db)
    restored = contacts.get_contact(db, cid)
    assert (restored.email, restored.domain_class) == ("anna@gmail.com", "free")
    operations.redo_operation(db)
    again = contacts.get_contact(db, cid)
    assert (again.email, again.domain_class) == ("anna@acme-widgets.de", "branded")

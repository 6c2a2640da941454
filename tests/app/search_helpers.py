"""What the search tests compare a page with: every match of a query, fully sorted."""

from __future__ import annotations

from app import contacts, paging, search
from app.contacts import ContactQuery
from app.paging import Key
from db.engine import Database
from db.models import Contact


def every_match_sorted(db: Database, q: ContactQuery) -> list[Key]:
    """Every match sorted: the plain plan, no paging, no estimate."""
    order = paging._Order(q)
    stmt = contacts._filtered(contacts._base([Contact.id, order.raw]), q, db, search.SORT)
    with db.session() as s:
        rows = s.execute(stmt.order_by(*contacts.order_by(q))).all()
    return [Key(value, cid) for cid, value in rows]

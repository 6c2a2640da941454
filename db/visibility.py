"""Contacts of an unfinished import are invisible to every query.

A long import commits in chunks (so other writers never wait long behind it), yet is
all-or-nothing for the user: until its batch is ``done``, its contacts are left out of every
ORM query by a loader criterion. The import's own session sets ``SEE_UNFINISHED`` in its
``info`` to see its rows. Raw SQL that reads contacts (metrics) adds
:func:`unfinished_batches_sql` itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Join, Select, event, or_
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.expression import TableClause

from db.models import Contact

SEE_UNFINISHED = "winnow_see_unfinished_imports"
_CACHE = "winnow_unfinished_batches"


def unfinished_batches(session: Session) -> tuple[int, ...]:
    """Ids of import batches still being written (read once per transaction)."""
    # the connection first: it begins the session's transaction (a session's first query
    # comes here before it has one, and its second found no answer kept for it: the query
    # ran twice in every session that made two)
    conn = session.connection()
    txn = session.get_transaction()
    cached = session.info.get(_CACHE)
    if cached is not None and cached[0] is txn:
        return cached[1]  # type: ignore[no-any-return]
    # straight to the driver: this runs once per read transaction, SQLAlchemy's statement
    # machinery would cost more than the query
    cursor = conn.connection.cursor()
    try:
        cursor.execute("SELECT id FROM import_batches WHERE state = 'running'")
        ids = tuple(int(r[0]) for r in cursor.fetchall())
    finally:
        cursor.close()
    session.info[_CACHE] = (txn, ids)
    return ids


def unfinished_batches_sql(session: Session, column: str = "contacts.import_batch_id") -> str:
    """`` AND …`` for raw SQL over contacts: '' when no import is running."""
    if session.info.get(SEE_UNFINISHED):
        return ""
    ids = unfinished_batches(session)
    if not ids:
        return ""
    listed = ", ".join(str(i) for i in ids)
    return f" AND ({column} IS NULL OR {column} NOT IN ({listed}))"


def _in_from(froms: Any, table: Any) -> bool:
    for f in froms:
        if isinstance(f, TableClause) and f.name == table.name:  # the table, maybe annotated
            return True
        if isinstance(f, Join) and _in_from((f.left, f.right), table):
            return True
    return False


@event.listens_for(Session, "do_orm_execute")
def _hide_unfinished_imports(state: ORMExecuteState) -> None:
    if not state.is_select or state.session.info.get(SEE_UNFINISHED):
        return
    # the usual case, no import running, costs one small query per transaction; what the
    # statement reads is only looked at (it compiles it) while an import runs
    ids = unfinished_batches(state.session)
    if not ids:
        return
    statement: Any = state.statement
    entity = any(m.class_ is Contact for m in state.all_mappers)
    # ``select(func.count()).select_from(Contact)`` names no entity: filter its FROM directly
    direct = isinstance(statement, Select) and _in_from(
        statement.get_final_froms(), Contact.__table__
    )
    if not entity and not direct:
        return
    criterion: Any = or_(Contact.import_batch_id.is_(None), Contact.import_batch_id.not_in(ids))
    if entity:
        statement = statement.options(
            with_loader_criteria(Contact, criterion, include_aliases=True)
        )
    if direct:
        statement = statement.where(criterion)
    state.statement = statement

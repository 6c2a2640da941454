"""PostgreSQL: a search sorted by date added, read from the search documents alone.

``contact_search`` holds one document per contact and, since migration 0025, the contact's
``created_at`` beside it, both kept by triggers on ``contacts``. A search with no other filter,
in the default order (date added) or its reverse, is answered from that table: a narrow search
sorts the documents it finds by the date beside them (SORT), a broad one walks the documents'
index on ``(created_at, contact_id)`` and tests each document in the row it reads (WALK). The
contacts' primary key is not read: looking every match up there was most of a page's cost
(100,000 demo contacts, the first 200 of "kessler", 4,635 matches: 50 ms on the server as an
array of ids, 10 ms from the documents; "pl" walked 9.5 ms through the contacts, 0.3-1 ms here).

The page is the one the contacts would give: the same ids in the same order, the same keys
(the dates as the database returns them, the ids). Where the documents cannot stand for the
contacts it is not used: another filter, another sort, or an import still running (its contacts
are left out of every query, ``db.visibility``, yet have their documents).
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Select,
    bindparam,
    column,
    select,
    table,
    text,
    tuple_,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.types import NullType

from app import contacts, search
from app.contacts import ContactQuery
from db.visibility import SEE_UNFINISHED, unfinished_batches

# not a table of the models (as SQLite's contacts_fts): the database's own, migration 0015/0025
DOCUMENTS = table(
    "contact_search",
    column("contact_id", Integer),
    column("created_at", DateTime),
    column("document", NullType),
)
SORTS = frozenset({"created", "created_at"})


def usable(s: Session, q: ContactQuery) -> bool:
    """Whether the documents give this query's pages (PostgreSQL, a search alone sorted by
    date added, no import running that the query must leave out)."""
    if s.get_bind().dialect.name != "postgresql" or q.sort not in SORTS or not q.search:
        return False
    if not contacts._search_alone(q) or search.tsquery(q.search) is None:
        return False
    return bool(s.info.get(SEE_UNFINISHED)) or not unfinished_batches(s)


def keys(
    q: ContactQuery,
    strategy: search.Strategy,
    after: tuple[Any, int] | None = None,
    through: tuple[Any, int] | None = None,
    exclude: Collection[int] = (),
    limit: int | None = None,
) -> tuple[Select[Any], dict[str, Any]]:
    """``SELECT id, created_at`` of the documents the query's search matches, in the query's
    order: strictly after ``after`` and at or before ``through`` (a key: the date as stored,
    the id), leaving out ``exclude``, at most ``limit``; and the statement's parameters. Dates
    travel raw (no type conversion either way), as :mod:`app.paging`'s keys do.

    SORT reads the documents the GIN index finds and sorts them (the rows are gathered first,
    a ``MATERIALIZED`` step, so the planner cannot walk the date index instead: it did so for
    "gmail", 1,914 matches, 34 ms instead of 2); WALK leaves the planner free, which walks the
    date index for a broad search."""
    query = search.tsquery(q.search or "")
    assert query is not None, "usable() first"
    params: dict[str, Any] = {"tsq": query}
    if after is not None:
        params.update(after_date=after[0], after_id=after[1])
    if through is not None:
        params.update(through_date=through[0], through_id=through[1])
    if exclude:
        params["exclude"] = list(exclude)
    if limit is not None:
        params["limit"] = limit
    shape = (q.descending, strategy, *(k in params for k in _OPTIONAL))
    return _statement(*shape), params


_OPTIONAL = ("after_date", "through_date", "exclude", "limit")


@lru_cache(maxsize=64)
def _statement(
    descending: bool,
    strategy: search.Strategy,
    after: bool,
    through: bool,
    exclude: bool,
    limit: bool,
) -> Select[Any]:
    """The statement of :func:`keys` for this shape, its values as parameters (built once: a
    statement made per call cost more than the client's whole share of a page)."""
    d = DOCUMENTS.c
    raw: Any = type_coerce(d.created_at, NullType())
    conds: list[ColumnElement[bool] | TextClause] = [
        text("contact_search.document @@ to_tsquery('winnow_search'::regconfig, :tsq)")
    ]
    row = tuple_(raw, d.contact_id)
    if after:
        bound = tuple_(bindparam("after_date", type_=NullType()), bindparam("after_id"))
        conds.append(row < bound if descending else row > bound)
    if through:
        bound = tuple_(bindparam("through_date", type_=NullType()), bindparam("through_id"))
        conds.append(row >= bound if descending else row <= bound)
    if exclude:
        conds.append(d.contact_id.not_in(bindparam("exclude", expanding=True)))
    found = select(d.contact_id.label("id"), raw.label("created_at")).where(*conds)
    if strategy == search.SORT:
        gathered = found.cte("matches").prefix_with("MATERIALIZED")
        stmt = select(gathered.c.id, gathered.c.created_at)
        date, cid = gathered.c.created_at, gathered.c.id
    else:
        stmt, date, cid = found, raw, d.contact_id
    order = [date.desc(), cid.desc()] if descending else [date.asc(), cid.asc()]
    stmt = stmt.order_by(*order)
    return stmt.limit(bindparam("limit", type_=Integer)) if limit else stmt

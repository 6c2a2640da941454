"""Keyset paging over a contact query: pages that start after a position, not at an offset.

A :class:`Key` is a position in a query's order (the sort value as stored, then the contact
id). A view that has loaded every contact up to a key asks for the next page *after* that key,
so a contact edited, added or removed above it can never shift the page boundary: nothing is
skipped and nothing repeats. The same bounds answer the questions a pager asks when contacts
change: which of them now belong before its last key, in what order, and which loaded contact
each one now precedes.

Sort values travel raw (no type conversion in either direction), so a key binds back to
exactly the value the database compares, whatever the column type. Empty sort values count as
the smallest (``app.contacts.order_by``); a nullable sort column is read as two runs, the
empty values and the others, each of which the database walks in an index.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    false,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
)
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import NullType

from app import contacts, search, search_documents
from app.contacts import ContactQuery
from app.values import Key
from db.engine import Database
from db.models import Contact
from db.visibility import SEE_UNFINISHED, unfinished_batches


@dataclass(frozen=True)
class Placement:
    """Where a changed contact now belongs: its key, and whether that is within a window."""

    key: Key
    in_window: bool


def _may_be_empty(expr: Any) -> bool:
    """False for a NOT NULL column and for ``coalesce(..., <a value>)``; else True."""
    if isinstance(expr, FunctionElement) and expr.name == "coalesce":
        clauses = list(expr.clauses)
        last = clauses[-1] if clauses else None
        return not (isinstance(last, BindParameter) and last.value is not None)
    return bool(getattr(expr, "nullable", True))


class _Order:
    """The query's sort column, raw, and the runs (empty values, the rest) in query order."""

    def __init__(self, q: ContactQuery) -> None:
        col = contacts.sort_expression(q)
        self.raw: Any = type_coerce(col, NullType())
        self.descending = q.descending
        self.nullable = _may_be_empty(getattr(col, "expression", col))
        # True = the run of empty sort values; they come first ascending, last descending
        if not self.nullable:
            self.runs: tuple[bool, ...] = (False,)
        else:
            self.runs = (False, True) if q.descending else (True, False)

    def run_of(self, key: Key) -> int:
        return self.runs.index(key.value is None) if self.nullable else 0

    def in_run(self, empty: bool) -> ColumnElement[bool]:
        if not self.nullable:
            return true()
        return self.raw.is_(None) if empty else self.raw.is_not(None)

    def after(self, key: Key) -> ColumnElement[bool]:
        """Strictly after ``key``, within the key's own run."""
        if key.value is None:
            return Contact.id < key.id if self.descending else Contact.id > key.id
        row = tuple_(self.raw, Contact.id)
        bound = tuple_(literal(key.value, NullType()), literal(key.id))
        return row < bound if self.descending else row > bound

    def through(self, key: Key) -> ColumnElement[bool]:
        """At or before ``key``, within the key's own run."""
        if key.value is None:
            return Contact.id >= key.id if self.descending else Contact.id <= key.id
        row = tuple_(self.raw, Contact.id)
        bound = tuple_(literal(key.value, NullType()), literal(key.id))
        return row >= bound if self.descending else row <= bound

    def spans(
        self, after: Key | None, through: Key | None
    ) -> Iterator[tuple[bool, list[ColumnElement[bool]]]]:
        """Per run between the bounds, in order: the conditions that select its part."""
        first = self.run_of(after) if after is not None else 0
        last = self.run_of(through) if through is not None else len(self.runs) - 1
        for index in range(first, last + 1):
            conds = [self.in_run(self.runs[index])]
            if after is not None and index == first:
                conds.append(self.after(after))
            if through is not None and index == last:
                conds.append(self.through(through))
            yield self.runs[index], conds

    def at_or_before(self, through: Key) -> ColumnElement[bool]:
        """One condition for "at or before ``through``" (for small id-restricted queries)."""
        parts = [and_(*conds) for _empty, conds in self.spans(None, through)]
        return or_(*parts) if len(parts) > 1 else parts[0]


def _window(order: _Order, end: Key | None, complete: bool) -> ColumnElement[bool]:
    if complete:
        return true()
    if end is None:
        return false()
    return order.at_or_before(end)


def keys_between(
    db: Database,
    q: ContactQuery,
    after: Key | None = None,
    through: Key | None = None,
    limit: int | None = None,
    exclude: Collection[int] = (),
) -> list[Key]:
    """Keys of the contacts strictly after ``after`` and at or before ``through`` (None: from
    the start, to the end), in query order, at most ``limit``, leaving out ``exclude``.

    A search on SQLite is read by the plan its estimate picks (:mod:`app.search`): its
    matches sorted, in one statement over every run (each match is looked up once), or the
    sort index walked run by run, for at most a budget of entries (:func:`_walk`). On
    PostgreSQL a search alone sorted by date added reads the search documents alone
    (:mod:`app.search_documents`)."""
    if q.search and q.sort in search_documents.SORTS and db.engine.dialect.name == "postgresql":
        with db.session() as s:
            if search_documents.usable(s, q):
                plan = search.plan(db, q.search, limit, True, documents=True)
                stmt, params = search_documents.keys(
                    q,
                    plan,
                    after=None if after is None else (after.value, after.id),
                    through=None if through is None else (through.value, through.id),
                    exclude=exclude,
                    limit=limit,
                )
                return [Key(value, cid) for cid, value in s.execute(stmt, params).all()]
    order = _Order(q)
    spans = [conds for _empty, conds in order.spans(after, through)]
    strategy: search.Strategy = search.SORT
    steps: int | None = None
    keyed = False
    shape = _shape(db, q, after, through, exclude)
    sqlite = db.engine.dialect.name == "sqlite"
    with db.session() as s:
        place = (replace(q, search=""), after, through, frozenset(exclude))
        if q.search:
            keyed = contacts.sort_key_index(q, db) is not None
            if sqlite and limit is not None and search.walk_fell_short(db, place, q.search):
                # a search this one narrows was sorted moments ago (few matches, or a walk
                # that fell short): this one has fewer matches, in the same stretch, and is
                # sorted too, without counting them again (the estimate: 0.6-1.7 ms)
                strategy = search.SORT
            else:
                # SQLite's estimate on this session's connection (not one more from the pool)
                conn = s.connection() if sqlite else None
                walks = contacts.can_walk(q)
                strategy, steps = search.plan_bounded(db, q.search, limit, walks, keyed, conn=conn)
                if (
                    sqlite
                    and strategy == search.SORT
                    and walks
                    and limit is not None
                    and after is None
                    and through is None
                    and not search.is_forced()
                ):
                    # few matches: the searches typed on from here have fewer still
                    search.remember_short_walk(db, place, q.search)
        if (
            strategy == search.WALK
            and limit is not None
            and after is None
            and through is None
            and not search.walk_fell_short(db, place, q.search or "")
            and _walks_far(s, db, q, order, limit, keyed)
        ):
            # the matches lie late in the order: a walk would step most of the index before
            # the page fills, so they are sorted at once, and so are the searches typed on
            # from here (their matches are among these)
            search.remember_short_walk(db, place, q.search or "")
            return _select(s, db, q, order, [_any(spans)], limit, exclude, search.SORT, shape)
        if strategy == search.WALK and steps is not None and limit is not None:
            return _walk(s, db, q, order, spans, limit, exclude, steps, place, shape)
        if strategy == search.SORT and q.search and db.engine.dialect.name == "sqlite":
            return _select(s, db, q, order, [_any(spans)], limit, exclude, strategy, shape)
        out: list[Key] = []
        for index, conds in enumerate(spans):
            want = None if limit is None else limit - len(out)
            if want is not None and want <= 0:
                break
            part = None if shape is None else (shape, "run", index)
            out.extend(_select(s, db, q, order, conds, want, exclude, strategy, part))
        return out


# Statements of a search's first page on SQLite, kept per query shape (the query without its
# search, the plan, the run): typing builds the same statements keystroke after keystroke
# with only the words, the page's length and a walk's bound different, which are bound
# parameters (:func:`_bound`). Building a statement and working out its cache key cost about
# 1 ms a statement, as much as reading a narrow search's page.
_STATEMENTS: OrderedDict[Hashable, Select[Any]] = OrderedDict()
_statements_lock = threading.Lock()
_FTS = "fts"  # the parameter of app.search.fts_rowids
_LIMIT = "page_limit"
_STEPS = "walk_steps"
_LAST = "walk_last"
_AFTER_VALUE = "after_value"  # the key a sorted rest of a walk starts after (_after_bound)
_AFTER_ID = "after_id"


def _shape(
    db: Database, q: ContactQuery, after: Key | None, through: Key | None, exclude: Collection[int]
) -> Hashable | None:
    """What the statements of this page depend on besides their bound parameters, or None
    where they are built each time: not a first page, not a search on SQLite, a queue (its
    conditions name the time of the call)."""
    if after is not None or through is not None or exclude or q.queue:
        return None
    if db.engine.dialect.name != "sqlite" or search.fts_query(q.search or "") is None:
        return None
    # the index a sorted search reads its keys in is named in the statement: a file of an
    # older schema at the same path may have none (app.contacts.sort_key_index)
    return (search.database_key(db), replace(q, search=""), contacts.sort_key_index(q, db))


def _bound(shape: Hashable | None, kind: Hashable, build: Callable[[], Select[Any]]) -> Select[Any]:
    """The statement ``build`` makes, kept under ``(shape, kind)`` when there is a shape (its
    words, page length and bound are then given at each execution, :func:`_execute`)."""
    if shape is None:
        return build()
    key = (shape, kind)
    with _statements_lock:
        stmt = _STATEMENTS.get(key)
        if stmt is not None:
            _STATEMENTS.move_to_end(key)
            return stmt
    stmt = build()
    with _statements_lock:
        _STATEMENTS[key] = stmt
        while len(_STATEMENTS) > 256:
            _STATEMENTS.popitem(last=False)
    return stmt


# a word no contact's words start with: the statements run on an empty set of matches
_PROBE = "qxzqxzqxzqxzqxzq"


def prepare_search(db: Database, q: ContactQuery, limit: int) -> int:
    """Make, ahead of typing, the statements a search's first page of ``limit`` keys runs under
    ``q``'s filters and order (its search left out) on SQLite: each plan's statement kept per
    query shape (:func:`_bound`) and run once with a word nothing matches, so SQLAlchemy
    compiles it now, off the GUI thread, and not at the first keystroke that takes that plan
    (1-2 ms a statement, 2-4 on a keystroke; more for the first statement of a kind), and
    the sort's spread of keys (:func:`_spread`) read. Returns how many statements ran (0 on
    another database, or a query whose statements are not kept)."""
    probe = replace(q, search=_PROBE)
    shape = _shape(db, probe, None, None, ())
    if shape is None:
        return 0
    order = _Order(probe)
    spans = [conds for _empty, conds in order.spans(None, None)]
    match = search.fts_query(_PROBE) or ""
    ran = 0
    with db.session() as s:
        _select(s, db, probe, order, [_any(spans)], limit, (), search.SORT, shape)
        ran += 1
        if not contacts.can_walk(probe):
            return ran
        for index, conds in enumerate(spans):
            # a walk with no budget, run by run (keys_between)
            _select(s, db, probe, order, conds, limit, (), search.WALK, (shape, "run", index))
            ran += 1
            walk = partial(_walk_statement, db, probe, order, conds, (), match, limit, limit)
            _execute(
                s,
                _bound(shape, ("walk", index), walk),
                {_FTS: match, _LIMIT: limit, _STEPS: limit},
                kept=True,
            )
            end = partial(_walk_end_statement, db, probe, order, conds, (), limit)
            ends = _execute(s, _bound(shape, ("walk end", index), end), {_LAST: 0}, kept=True)
            ran += 2
            if index + 1 < len(spans):  # a run walked to its end: how far (_walk)
                count = partial(_walk_count_statement, db, probe, order, conds, ())
                _execute(s, _bound(shape, ("walk count", index), count), kept=True)
                ran += 1
            if ends:  # the sorted rest after an entry of this run
                bound = Key(ends[0][1], ends[0][0])
                _sorted_rest(s, db, probe, order, spans, index, bound, limit, shape)
                ran += 1
        if contacts._search_alone(probe):
            _spread(s, db, probe, order)
    return ran


def _any(spans: Sequence[Sequence[ColumnElement[bool]]]) -> ColumnElement[bool]:
    """One condition for rows in any of these parts."""
    parts = [and_(*conds) for conds in spans]
    return parts[0] if len(parts) == 1 else or_(*parts)


def _select(
    s: Session,
    db: Database,
    q: ContactQuery,
    order: _Order,
    conds: Sequence[ColumnElement[bool]],
    want: int | None,
    exclude: Collection[int],
    strategy: search.Strategy,
    shape: Hashable | None = None,
    kind: Hashable | None = None,
    bound: Mapping[str, Any] | None = None,
) -> list[Key]:
    """The first ``want`` keys (None: all) matching ``conds`` and the query, in its order, by
    ``strategy`` (``shape``: a first page's, whose statement is kept, :func:`_bound`, under
    ``kind`` if given; ``bound``: further parameters the kept statement takes)."""

    def build() -> Select[Any]:
        stmt = contacts.select_matching(
            [Contact.id, order.raw], q, db, limit=want, strategy=strategy, keys_only=True
        ).where(*conds)
        if exclude:
            stmt = stmt.where(Contact.id.not_in(list(exclude)))
        stmt = stmt.order_by(*contacts.order_by(q))
        if want is not None:
            stmt = stmt.limit(bindparam(_LIMIT, want))
        return stmt

    stmt = _bound(shape, kind or ("select", strategy, want is None), build)
    params: dict[str, Any] = {} if want is None else {_LIMIT: want}
    if q.search and shape is not None:
        params[_FTS] = search.fts_query(q.search)
    if bound:
        params.update(bound)
    rows = _execute(s, stmt, params, kept=shape is not None)
    return [Key(value, cid) for cid, value in rows]


def _execute(
    s: Session, stmt: Select[Any], params: Mapping[str, Any] | None = None, kept: bool = False
) -> Sequence[Row[Any, Any]] | list[Any]:
    """The rows of a statement of keys, read at once: on the session's connection (Core)
    where the ORM would add nothing to it, i.e. no import is unfinished (:mod:`db.visibility`'s
    criterion, added by the ORM's execution, which then takes its way). The ORM's execution
    and result layers cost about 1 ms a statement of 200 keys; a keystroke runs one to three.

    A statement kept for a first page (``kept``, :func:`_bound`) on SQLite goes further: its
    SQL, compiled once (:func:`_driver_form`), runs on the driver's connection with the same
    values (:func:`app.search.driver_rows`): SQLAlchemy's execution around it (its cache key,
    parameters, result) cost 0.4-1 ms a statement, a keystroke runs two to six."""
    if s.info.get(SEE_UNFINISHED) or not unfinished_batches(s):
        conn = s.connection()
        form = _driver_form(conn, stmt) if kept else None
        if form is None:
            return conn.execute(stmt, params).all()
        sql, slots = form
        given = params or {}
        values = [given[name] if name is not None else value for name, value in slots]
        return search.driver_rows(conn, sql, values)
    return s.execute(stmt, params).all()


# the kept statements' SQL for the driver, per engine's dialect: (id(statement), id(dialect))
# -> (statement, dialect, (SQL, slots) or None where SQLAlchemy runs it), a slot per ``?`` (a
# parameter given at execution by its name, or None and the value compiled in)
_DriverForm = tuple[str, tuple[tuple[str | None, Any], ...]]
_DRIVER_FORMS: OrderedDict[tuple[int, int], tuple[Select[Any], Any, _DriverForm | None]] = (
    OrderedDict()
)
# the parameters a kept statement is given at execution (none of them converted by a type)
_GIVEN = frozenset({_FTS, _LIMIT, _STEPS, _LAST, _AFTER_VALUE, _AFTER_ID})


def _driver_form(conn: Connection, stmt: Select[Any]) -> _DriverForm | None:
    """A kept statement's SQL as SQLAlchemy runs it on SQLite and a slot per parameter,
    compiled once per statement; None where the driver cannot take it as it is (another
    database, a parameter expanded at execution such as a list of ids, or one a type
    converts that is given at execution): SQLAlchemy then runs it."""
    key = (id(stmt), id(conn.dialect))
    with _statements_lock:
        hit = _DRIVER_FORMS.get(key)
        if hit is not None and hit[0] is stmt and hit[1] is conn.dialect:
            _DRIVER_FORMS.move_to_end(key)
            return hit[2]
    form = _compile_for_driver(conn, stmt)
    with _statements_lock:
        _DRIVER_FORMS[key] = (stmt, conn.dialect, form)
        while len(_DRIVER_FORMS) > 256:
            _DRIVER_FORMS.popitem(last=False)
    return form


def _compile_for_driver(conn: Connection, stmt: Select[Any]) -> _DriverForm | None:
    """:func:`_driver_form`'s compilation (once per statement and engine)."""
    if conn.dialect.name != "sqlite" or conn.dialect.paramstyle != "qmark":
        return None
    compiled = stmt.compile(dialect=conn.dialect)
    names = compiled.positiontup
    if names is None or any(b.expanding or b.literal_execute for b in compiled.binds.values()):
        return None
    # the given parameters' values are not known yet: None in their place, left out below
    constants = compiled.construct_params({n: None for n in _GIVEN if n in compiled.binds})
    processors = compiled._bind_processors  # what SQLAlchemy applies to each value
    slots: list[tuple[str | None, Any]] = []
    for name in names:
        convert = processors.get(name)
        if convert is not None and not callable(convert):  # a tuple's: not ours
            return None
        if name in _GIVEN:
            if convert is not None:
                return None
            slots.append((name, None))
        else:
            value = constants[name]
            slots.append((None, convert(value) if convert is not None else value))
    return str(compiled), tuple(slots)


def _walk(
    s: Session,
    db: Database,
    q: ContactQuery,
    order: _Order,
    spans: list[list[ColumnElement[bool]]],
    limit: int,
    exclude: Collection[int],
    steps: int,
    place: Hashable,
    shape: Hashable | None = None,
) -> list[Key]:
    """The first ``limit`` matches, walking the sort index run by run for at most ``steps``
    entries in all (a run walked to its end leaves the next what it did not step); where that
    does not fill the page, the rest by the sorted plan, after the last entry walked. The
    bound keeps a walk whose matches lie late in the order (a first name typed, sorted by
    name: 1,000,000 contacts, "Jü" passed 490,000 entries, 91 ms) from costing much more
    than sorting the matches would have.

    The bound is the subquery's LIMIT: SQLite reads it as a coroutine, in its ORDER BY's
    order (the outer query only filters it; a LIMIT keeps a subquery from being merged into
    a query with a WHERE), and stops it once the page is full, so a bound costs nothing when
    the walk ends early. The rows are checked to come in order all the same
    (:func:`_ordered`); if they ever did not, the page would be sorted instead. A walk that
    stopped short is remembered for the place (``place``): a search typed on from there
    matches fewer contacts, in the same stretch, so it is sorted at once
    (:func:`app.search.walk_fell_short`). ``shape``: a first page's, whose statements are
    kept (:func:`_bound`)."""
    if search.walk_fell_short(db, place, q.search or ""):
        return _select(s, db, q, order, [_any(spans)], limit, exclude, search.SORT, shape)
    match = search.fts_query(q.search or "") or ""
    out: list[Key] = []
    left = steps  # the budget is the whole walk's: a run walked to its end leaves the rest
    for index, conds in enumerate(spans):
        want = limit - len(out)
        if want <= 0:
            break
        params = {_FTS: match, _LIMIT: want, _STEPS: left}
        stmt = _bound(
            shape,
            ("walk", index),
            partial(_walk_statement, db, q, order, conds, exclude, match, left, want),
        )
        keys = [Key(value, cid) for cid, value in _execute(s, stmt, params, shape is not None)]
        if not _ordered(keys, order.descending):
            return _select(s, db, q, order, [_any(spans)], limit, exclude, search.SORT, shape)
        out.extend(keys)
        if len(keys) < want:
            # the part walked to its end, or the walk stopped at its bound: which?
            ends = _execute(
                s,
                _bound(
                    shape,
                    ("walk end", index),
                    partial(_walk_end_statement, db, q, order, conds, exclude, left),
                ),
                {_LAST: left - 1},
                shape is not None,
            )
            if ends:
                last = ends[0]
                search.remember_short_walk(db, place, q.search or "")
                bound = Key(last[1], last[0])
                more = _sorted_rest(
                    s, db, q, order, spans, index, bound, want - len(keys), shape, exclude
                )
                return out + more
            if index + 1 < len(spans):
                # the run had fewer entries than the budget left: the next run walks the rest
                # (each run walking the whole budget, "ke" by company at 100,000 stepped
                # 16,876 empty companies and then 24,150 more entries before sorting the rest)
                counted = _execute(
                    s,
                    _bound(
                        shape,
                        ("walk count", index),
                        partial(_walk_count_statement, db, q, order, conds, exclude),
                    ),
                    None,
                    shape is not None,
                )
                left = max(left - int(counted[0][0]), 1)
    return out


def _entries(
    db: Database,
    q: ContactQuery,
    order: _Order,
    conds: Sequence[ColumnElement[bool]],
    exclude: Collection[int],
) -> Select[Any]:
    """The sort index's entries of one run (``conds``), in the query's order, unsearched."""
    found = contacts.select_unsearched([Contact.id, order.raw.label("v")], q, db)
    found = found.where(*conds)
    if exclude:
        found = found.where(Contact.id.not_in(list(exclude)))
    return found.order_by(*contacts.order_by(q))


def _walk_statement(
    db: Database,
    q: ContactQuery,
    order: _Order,
    conds: Sequence[ColumnElement[bool]],
    exclude: Collection[int],
    match: str,
    steps: int,
    want: int,
) -> Select[Any]:
    """A walk of one run: its first ``steps`` entries (``_STEPS``) that match (``_FTS``), at
    most ``want`` (``_LIMIT``)."""
    walked = _entries(db, q, order, conds, exclude).limit(bindparam(_STEPS, steps))
    inner = walked.subquery("walked")
    stmt = select(inner.c.id, inner.c.v).where(inner.c.id.in_(search.fts_rowids(match)))
    return stmt.limit(bindparam(_LIMIT, want))


def _walk_end_statement(
    db: Database,
    q: ContactQuery,
    order: _Order,
    conds: Sequence[ColumnElement[bool]],
    exclude: Collection[int],
    steps: int,
) -> Select[Any]:
    """The last entry a walk of ``steps`` entries (``_LAST``: steps - 1) reaches, if any."""
    return _entries(db, q, order, conds, exclude).offset(bindparam(_LAST, steps - 1)).limit(1)


def _walk_count_statement(
    db: Database,
    q: ContactQuery,
    order: _Order,
    conds: Sequence[ColumnElement[bool]],
    exclude: Collection[int],
) -> Select[Any]:
    """How many entries one run has: asked only of a run a walk stepped to its end, fewer
    than its budget (not walked again in order: SQLite counts them in the index, 0.6 ms for
    16,876 empty companies at 100,000 contacts, where a LIMIT read them in order in 2 ms)."""
    entries = _entries(db, q, order, conds, exclude).order_by(None).subquery()
    return select(func.count()).select_from(entries)


def _after_bound(order: _Order, empty: bool) -> ColumnElement[bool]:
    """:meth:`_Order.after` a key given at execution (``_AFTER_VALUE``, ``_AFTER_ID``), in the
    run of empty sort values (``empty``) or the other: the statement is kept per shape."""
    after_id: BindParameter[Any] = bindparam(_AFTER_ID, type_=Contact.id.type)
    if empty:
        return Contact.id < after_id if order.descending else Contact.id > after_id
    row = tuple_(order.raw, Contact.id)
    bound = tuple_(bindparam(_AFTER_VALUE, type_=NullType()), after_id)
    return row < bound if order.descending else row > bound


def _sorted_rest(
    s: Session,
    db: Database,
    q: ContactQuery,
    order: _Order,
    spans: Sequence[Sequence[ColumnElement[bool]]],
    index: int,
    bound: Key,
    want: int,
    shape: Hashable | None,
    exclude: Collection[int] = (),
) -> list[Key]:
    """The first ``want`` matches after ``bound`` (a key in run ``index``), sorted: what a walk
    that stopped at its budget leaves. On a first page (``shape``) its statement is kept, the
    bound given as parameters."""
    if shape is None:
        rest = [[*spans[index], order.after(bound)], *spans[index + 1 :]]
        return _select(s, db, q, order, [_any(rest)], want, exclude, search.SORT)
    empty = bound.value is None
    rest = [[*spans[index], _after_bound(order, empty)], *spans[index + 1 :]]
    return _select(
        s,
        db,
        q,
        order,
        [_any(rest)],
        want,
        exclude,
        search.SORT,
        shape,
        kind=("rest", index, empty),
        bound={_AFTER_ID: bound.id} if empty else {_AFTER_VALUE: bound.value, _AFTER_ID: bound.id},
    )


# keys of contacts spread evenly over the ids, per database and sort: (when, keys, largest id)
_SPREAD_SIZE = 128
_SPREAD_TTL = 1800.0  # seconds (how a sort's values are spread changes slowly)
_spreads: OrderedDict[tuple[str, str, bool], tuple[float, list[list[tuple[Any, int]]], int]] = (
    OrderedDict()
)
_spread_lock = threading.Lock()


def walk_reach(
    s: Session, db: Database, q: ContactQuery, order: _Order, limit: int
) -> float | None:
    """About how many entries of the sort index a walk from the start steps before it has
    seen ``limit`` matches of the query's search (SQLite, a search with no other filter), or
    None where no sample tells: the place of the ``k``-th earliest of a sample of matches
    (:func:`app.search.sample_matches`, k as many of the sample as the page is of all the
    matches) among contacts sampled evenly over the ids. A sample taken of one word of
    several is of more contacts than the search matches: the walk then steps at least as
    far. The estimate only chooses a plan; the page is the same either way."""
    word = search.sampled_word(q.search or "")
    if word is None or db.engine.dialect.name != "sqlite" or not contacts._search_alone(q):
        return None
    ids, found = search.sample_matches(db, word, s.connection())
    found = max(found, search.estimate(db, word, s.connection())[0])
    if not ids or found <= 0:
        return None
    k = math.ceil(limit * (len(ids) + 1) / found)
    if k > len(ids):
        return None
    try:
        spread = _spread(s, db, q, order)
        if spread is None:
            return None
        runs, size = spread
        sampled = _in_order(order, _sample_keys(s, db, q, order, ids))
        if len(sampled) < k:
            return None
        target = sampled[k - 1]
        run = order.run_of(target)
        point = _comparable(target)
        ahead = runs[run]
        before = sum(len(r) for r in runs[:run])
        if order.descending:
            before += len(ahead) - bisect.bisect_right(ahead, point)
        else:
            before += bisect.bisect_left(ahead, point)
    except TypeError:  # values of mixed types: not ours to judge
        return None
    return before * size / max(sum(len(r) for r in runs), 1)


_SAMPLE_SQL: dict[tuple[str, str | None], str] = {}


def _comparable(key: Key) -> tuple[Any, int]:
    """A key as a tuple Python orders as SQLite does within its run (BINARY collation: text
    by code point; the empty run by id)."""
    return (key.value, key.id) if key.value is not None else (0, key.id)


def _runs(order: _Order, keys: Sequence[Key]) -> list[list[tuple[Any, int]]]:
    """Keys split by run (in the query's order of runs), each run ascending."""
    runs: list[list[tuple[Any, int]]] = [[] for _ in order.runs]
    for key in keys:
        runs[order.run_of(key)].append(_comparable(key))
    for r in runs:
        r.sort()
    return runs


def _in_order(order: _Order, keys: Sequence[Key]) -> list[Key]:
    """Keys in the query's order."""
    by_point = {_comparable(k): k for k in keys}
    out: list[Key] = []
    for r in _runs(order, keys):
        out.extend(by_point[p] for p in (reversed(r) if order.descending else r))
    return out


def _walks_far(
    s: Session, db: Database, q: ContactQuery, order: _Order, limit: int, keyed: bool
) -> bool:
    """Whether sorting the matches costs less than the walk a sample says it would take
    (:func:`walk_reach`; never while a plan is forced)."""
    if search.is_forced():
        return False
    matches, size = search.estimate(db, q.search or "", s.connection())
    if not search.worth_sampling(matches, size, keyed):
        return False
    reach = walk_reach(s, db, q, order, limit)
    if reach is None:
        return False
    word = search.sampled_word(q.search or "")
    if word is not None and search.typed_words(q.search or "") == [word]:
        # the count is capped (ESTIMATE_CAP); the sample's is not, and prices the sort
        matches = max(matches, search.sample_matches(db, word, s.connection())[1])
    return search.choose(matches, size, limit, keyed, reach=reach) == search.SORT


def _sample_keys(
    s: Session, db: Database, q: ContactQuery, order: _Order, ids: Sequence[int]
) -> list[Key]:
    """The keys of these contacts in the query's sort (a search with no other filter), as
    stored. Read through the driver: compiling a statement the first time cost more (12 ms
    at 100,000 contacts) than reading the sample."""
    index = contacts.sort_key_index(q, db)
    sql = _SAMPLE_SQL.get((q.sort, index))
    if sql is None:
        column = contacts.sort_expression(q).expression.compile(dialect=db.engine.dialect)
        hint = f" INDEXED BY {index}" if index is not None else ""
        sql = f"SELECT contacts.id, {column} FROM contacts{hint} WHERE contacts.id IN "
        _SAMPLE_SQL[(q.sort, index)] = sql
    marks = ",".join("?" * len(ids))
    rows = search.driver_rows(s.connection(), f"{sql}({marks})", ids)
    return [Key(value, cid) for cid, value in rows]


def _spread(
    s: Session, db: Database, q: ContactQuery, order: _Order
) -> tuple[list[list[tuple[Any, int]]], int] | None:
    """Keys of about _SPREAD_SIZE contacts spread evenly over the ids, split by run, each
    ascending (cached half an hour per database and sort), and the largest id."""
    cache = (search.database_key(db), q.sort, q.descending)
    now = time.monotonic()
    with _spread_lock:
        hit = _spreads.get(cache)
        if hit is not None and now - hit[0] < _SPREAD_TTL:
            return hit[1], hit[2]
    size = int(search.driver_rows(s.connection(), "SELECT max(id) FROM contacts")[0][0] or 0)
    if size <= 0:
        return None
    ids = sorted({1 + size * n // _SPREAD_SIZE for n in range(_SPREAD_SIZE)})
    runs = _runs(order, _sample_keys(s, db, q, order, ids))
    with _spread_lock:
        _spreads[cache] = (now, runs, size)
        while len(_spreads) > 32:
            _spreads.popitem(last=False)
    return runs, size


def _ordered(keys: Sequence[Key], descending: bool) -> bool:
    """Whether keys of one run come in the query's order (values compared as SQLite's BINARY
    collation does, text by code point; the empty run by id)."""
    try:
        pairs = [(k.value, k.id) if k.value is not None else (0, k.id) for k in keys]
        if descending:
            return all(a > b for a, b in pairwise(pairs))
        return all(a < b for a, b in pairwise(pairs))
    except TypeError:  # values of mixed types: not ours to judge
        return False


def place(
    db: Database, q: ContactQuery, ids: Sequence[int], end: Key | None, complete: bool
) -> list[Placement]:
    """Which of ``ids`` the query matches now, in query order, each with its key and whether
    it lies in a window that holds every contact up to ``end`` (all of them if ``complete``)."""
    if not ids:
        return []
    order = _Order(q)
    inside = _window(order, end, complete)
    stmt = contacts.select_matching([Contact.id, order.raw, inside], q, db, among=ids)
    stmt = stmt.order_by(*contacts.order_by(q))
    with db.session() as s:
        return [Placement(Key(value, cid), bool(flag)) for cid, value, flag in s.execute(stmt)]


def successors(
    db: Database,
    q: ContactQuery,
    keys: Sequence[Key],
    through: Key | None,
    exclude: Collection[int],
) -> list[int | None]:
    """For each key, the first contact after it (at or before ``through``, not in
    ``exclude``): the loaded contact a changed one must now be shown in front of."""
    order = _Order(q)
    ordering = contacts.order_by(q)
    out: list[int | None] = []
    with db.session() as s:
        for key in keys:
            found: int | None = None
            for _empty, conds in order.spans(key, through):
                stmt = contacts.select_matching([Contact.id], q, db, limit=1).where(*conds)
                if exclude:
                    stmt = stmt.where(Contact.id.not_in(list(exclude)))
                found = s.scalar(stmt.order_by(*ordering).limit(1))
                if found is not None:
                    break
            out.append(found)
    return out

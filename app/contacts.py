"""Contacts: create, update, delete, get, and the paged, sorted, filtered query behind the views."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    Integer,
    Select,
    any_,
    bindparam,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import Session

from app import hooks
from app import search as _search
from app.errors import UnknownContact, UsageError
from app.fields import (  # noqa: F401  (the field rules live in app.fields; re-exported)
    EDITABLE_FIELDS,
    FIELD_LABELS,
    ValidationError,
    clean_fields,
    clean_value,
    normalize_phone,
)
from app.names import display_name, normalize_email, sort_key, split_name, stored_normalized_email
from app.search import search_condition
from app.timeutil import utcnow
from app.values import COUNT_CAP, ContactQuery, ContactRow
from db.engine import Database, opened_at_head
from db.models import EMAIL_KEY, Contact, ImportBatch, Stage, StageChange
from db.visibility import SEE_UNFINISHED, unfinished_batches

# Due (the board's sort): an unanswered inquiry's response due time, else the next action;
# undated contacts last.
_DUE: Any = func.coalesce(
    case((Contact.first_response_at.is_(None), Contact.response_due_at)),
    Contact.next_action_at,
    literal(datetime(9999, 12, 31), Contact.next_action_at.type),
)

SORT_COLUMNS = {
    "name": Contact.sort_name,
    "company": Contact.company,
    "title": Contact.title,
    "email": EMAIL_KEY,
    "stage": Stage.position,
    "source": Contact.source,
    "created": Contact.created_at,
    "created_at": Contact.created_at,
    "score": Contact.score,
    "next_action": Contact.next_action_at,
    "response_due": Contact.response_due_at,
    "domain_class": Contact.domain_class,
    "due": _DUE,
}


@dataclass
class ContactDetail:
    """Everything stored on one contact, as plain values."""

    id: int
    name: str
    first_name: str | None
    last_name: str | None
    email: str | None
    email_normalized: str | None
    other_emails: list[str]
    phone: str | None
    company: str | None
    title: str | None
    website: str | None
    city: str | None
    country: str | None
    industry: str | None
    company_size: int | None
    source: str | None
    import_batch_id: int | None
    stage_key: str
    stage_name: str
    stage_changed_at: datetime | None
    tags: str | None
    notes: str | None
    extra: dict[str, str]
    created_at: datetime
    updated_at: datetime | None
    received_at: datetime | None
    response_due_at: datetime | None
    first_response_at: datetime | None
    next_action_at: datetime | None
    triaged_at: datetime | None
    consent: str
    consent_at: datetime | None
    consent_how: str | None
    score: int | None
    score_breakdown: list[dict[str, Any]] = field(default_factory=list)
    sales_ready: bool = False
    domain: str | None = None
    domain_class: str | None = None
    persona_name: str | None = None
    persona_fit: float | None = None
    # team mode: who is working it, its version (every change bumps it) and who changed it last
    owner: str | None = None
    version: int = 1
    changed_by: str | None = None


def derived_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Columns computed from the editable ones: display/sort name, normalised e-mail, domain."""
    out: dict[str, Any] = {}
    if "first_name" in values or "last_name" in values or "name" in values:
        name = display_name(values.get("first_name"), values.get("last_name"), values.get("name"))
        out["name"] = name
        out["sort_name"] = sort_key(name)
    if "email" in values:
        from app.golook.classify import quick_domain_class  # (email-validator: when written)

        email = values.get("email")
        out["email_normalized"] = stored_normalized_email(email)
        out["domain"], out["domain_class"] = quick_domain_class(email)
    return out


def _row_values(c: Contact) -> dict[str, Any]:
    return {f: getattr(c, f) for f in EDITABLE_FIELDS}


def create_contact(
    db: Database,
    *,
    stage: str = "suspect",
    name: str | None = None,
    at: datetime | None = None,
    reason: str | None = None,
    extra: Mapping[str, str] | None = None,
    **values: Any,
) -> int:
    """Create one contact in ``stage`` (recording the first stage change) and return its id.

    ``name`` is split into first and last when those are not given.
    """
    with db.session() as s:
        return create_contact_in(
            s, stage=stage, name=name, at=at, reason=reason, extra=extra, **values
        )


def create_contact_in(
    s: Session,
    *,
    stage: str = "suspect",
    name: str | None = None,
    at: datetime | None = None,
    reason: str | None = None,
    extra: Mapping[str, str] | None = None,
    **values: Any,
) -> int:
    """As :func:`create_contact`, inside the caller's session (for imports)."""
    if name and not values.get("first_name") and not values.get("last_name"):
        values["first_name"], values["last_name"] = split_name(name)
    cleaned = {k: clean_value(k, v) for k, v in values.items()}
    if not any(cleaned.get(k) for k in ("first_name", "last_name", "email", "company")):
        raise UsageError("a contact needs at least a name, an e-mail address or a company")
    stage_row = s.scalar(select(Stage).where(Stage.key == stage))
    if stage_row is None:
        keys = list(s.scalars(select(Stage.key).order_by(Stage.position)))
        from app.errors import UnknownStage

        raise UnknownStage(stage, keys)
    now = at or utcnow()
    contact = Contact(
        **cleaned,
        **derived_values(cleaned),
        stage_id=stage_row.id,
        stage_changed_at=now,
        created_at=now,
        updated_at=now,
        extra=json.dumps(dict(extra), ensure_ascii=False) if extra else None,
    )
    if not contact.name:
        contact.name = cleaned.get("company") or cleaned.get("email") or ""
        contact.sort_name = sort_key(contact.name)
    s.add(contact)
    s.flush()
    s.add(
        StageChange(
            contact_id=contact.id,
            from_stage_id=None,
            to_stage_id=stage_row.id,
            at=now,
            reason=reason,
            automatic=False,
        )
    )
    hooks.contacts_changed(s, [contact.id])
    return contact.id


@dataclass(frozen=True)
class FieldEdit:
    """What an update changed, so it can be undone: {field: (old, new)}."""

    contact_id: int
    changes: dict[str, tuple[Any, Any]]


def update_contact(db: Database, contact_id: int, **values: Any) -> FieldEdit:
    """Change editable fields; returns the old and new values of what really changed."""
    cleaned = {k: clean_value(k, v) for k, v in values.items()}
    with db.session() as s:
        c = s.get(Contact, contact_id)
        if c is None:
            raise UnknownContact(contact_id)
        before = _row_values(c)
        changes = {k: (before[k], v) for k, v in cleaned.items() if before[k] != v}
        if not changes:
            return FieldEdit(contact_id, {})
        after = {**before, **cleaned}
        if not any(after.get(k) for k in ("first_name", "last_name", "email", "company")):
            raise UsageError("a contact needs at least a name, an e-mail address or a company")
        for k, (_old, new) in changes.items():
            setattr(c, k, new)
        derived = derived_values(
            {k: after[k] for k in after if k in changes or k in ("first_name", "last_name")}
        )
        if "first_name" not in changes and "last_name" not in changes:
            derived.pop("name", None)
            derived.pop("sort_name", None)
        for k, v in derived.items():
            setattr(c, k, v)
        if not c.name:
            c.name = c.company or c.email or ""
            c.sort_name = sort_key(c.name)
        c.updated_at = utcnow()
        s.flush()
        hooks.contacts_changed(s, [contact_id])
    return FieldEdit(contact_id, changes)


def delete_contacts(db: Database, contact_ids: Sequence[int]) -> int:
    """Delete contacts with their history and activities; returns how many were deleted."""
    ids = list(dict.fromkeys(contact_ids))
    deleted = 0
    with db.session() as s:
        for chunk in _chunks(ids, 500):
            result = s.execute(delete(Contact).where(Contact.id.in_(chunk)))
            deleted += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return deleted


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def get_contact(db: Database, contact_id: int) -> ContactDetail:
    with db.session() as s:
        c = s.get(Contact, contact_id)
        if c is None:
            raise UnknownContact(contact_id)
        from app import scoring  # the score's lines are worked out, not stored

        values = [getattr(c, name) for name in scoring.EXPLAINED_COLUMNS]
        rules = scoring.settings_in(s).rules
        return _detail(c, scoring.score_items(s, c.id, values, c.score, rules))


def _detail(c: Contact, items: Sequence[Any]) -> ContactDetail:
    plain = {f.name for f in fields(ContactDetail)}
    values = {k: getattr(c, k) for k in plain if hasattr(Contact, k)}
    values["other_emails"] = json.loads(c.other_emails) if c.other_emails else []
    values["extra"] = json.loads(c.extra) if c.extra else {}
    values["score_breakdown"] = [i.as_json() for i in items]
    values["stage_key"] = c.stage.key
    values["stage_name"] = c.stage.name
    values["sales_ready"] = bool(c.sales_ready)
    values["email_normalized"] = normalized_email_of(c.email_normalized, c.email)
    return ContactDetail(**values)


def normalized_email_of(stored: str | None, email: str | None) -> str | None:
    """A contact's normalised e-mail: stored only where it differs from the address
    (migration 0021), else the address's own (what ``email_key`` holds in the database)."""
    return stored or normalize_email(email)


def contact_exists(db: Database, contact_ids: Sequence[int]) -> list[int]:
    """The ids among ``contact_ids`` that do not exist."""
    with db.session() as s:
        found = set(s.scalars(select(Contact.id).where(Contact.id.in_(list(contact_ids)))))
    return [i for i in contact_ids if i not in found]


# --- the query behind the list -----------------------------------------------------------


def _filtered(
    stmt: Select[Any], q: ContactQuery, db: Database, strategy: _search.Strategy = _search.SORT
) -> Select[Any]:
    if q.stage_keys:
        stmt = stmt.where(Stage.key.in_(q.stage_keys))
    if q.source:
        stmt = stmt.where(Contact.source.ilike(f"%{_like_escape(q.source)}%", escape="\\"))
    if q.domain_classes:
        classes = [c for c in q.domain_classes if c != "none"]
        conds = [Contact.domain_class.in_(classes)] if classes else []
        if "none" in q.domain_classes:
            conds.append(Contact.domain_class.is_(None))
        stmt = stmt.where(or_(*conds))
    if q.batch_id is not None:
        stmt = stmt.where(Contact.import_batch_id == q.batch_id)
    if q.consent:
        stmt = stmt.where(Contact.consent == q.consent)
    if q.owner is not None:
        stmt = stmt.where(Contact.owner == q.owner if q.owner else Contact.owner.is_(None))
    if q.ids is not None:
        stmt = stmt.where(Contact.id.in_(q.ids))
    if q.queue:
        from app.queues import QUEUES  # their conditions build on this module

        queue = QUEUES.get(q.queue)
        if queue is None:
            raise UsageError(f"unknown queue {q.queue!r}; known: {', '.join(QUEUES)}")
        stmt = stmt.where(queue.condition(utcnow()))
    if q.search:
        # full-text by dialect: FTS5 on SQLite, tsvector on PostgreSQL, else LIKE
        dialect = db.engine.dialect.name
        if dialect == "postgresql" and strategy == _search.WALK and not _never_empty(q):
            # PostgreSQL walks a sort index only in an ORDER BY without NULLS (order_by):
            # for a sort that may be empty the IN form was sorted all the same, slower than
            # the array (100,000 contacts, first 200 of "pl" by score 68 -> 116 ms, by next
            # action 59 -> 140 ms; by created 34 -> 6, by name 49 -> 10)
            strategy = _search.SORT
        found = search_condition(q.search, dialect, strategy)
        if found is not None:
            stmt = stmt.where(found)
    return stmt


def _never_empty(q: ContactQuery) -> bool:
    """Whether the query's sort column is never empty (its ORDER BY has no NULLS clause)."""
    return not getattr(sort_expression(q), "nullable", True)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _base(columns: Sequence[Any]) -> Select[Any]:
    return select(*columns).select_from(Contact).join(Stage, Contact.stage_id == Stage.id)


def _source(columns: Sequence[Any], q: ContactQuery) -> Select[Any]:
    """``SELECT columns FROM contacts``, joined to ``stages`` only where the query needs it
    (:func:`_needs_stage`): every contact has a stage, so the join never leaves one out."""
    if _needs_stage(columns, q):
        return _base(columns)
    return select(*columns).select_from(Contact)


# sorts with an index a broad search can walk (tests/app/test_search_plan.py checks the plans)
_WALKABLE_SORTS = frozenset(
    {"name", "company", "title", "email", "source", "created", "created_at", "score"}
    | {"next_action", "response_due"}
)


def _can_walk(q: ContactQuery) -> bool:
    """Whether walking the sort index finds a search's matches at the rate they occur: an
    indexed sort, and no filter but the stage (its own index, or one with the sort)."""
    others = (q.source, q.domain_classes, q.batch_id, q.consent, q.ids, q.queue, q.owner)
    return q.sort in _WALKABLE_SORTS and all(v is None or v == () for v in others)


def _needs_stage(columns: Sequence[Any], q: ContactQuery) -> bool:
    """Whether a query must join ``stages`` (a stage filter or sort, a stage column). A queue
    does not: its conditions name their stages in subqueries, and without the join a queue's
    count reads its indexes alone (the sidebar's Overdue at 1,000,000: 0.8 s -> 0.05 s; every
    contact has a stage, so the join never left one out)."""
    if q.stage_keys or q.sort == "stage":
        return True
    return any(getattr(c, "table", None) is Stage.__table__ for c in columns)


def select_unsearched(columns: Sequence[Any], q: ContactQuery, db: Database) -> Select[Any]:
    """``SELECT columns`` over the contacts the query's filters other than its search match,
    joining ``stages`` only when needed (a walk of a sort index reads the index alone)."""
    from dataclasses import replace

    bare = replace(q, search="")
    if _needs_stage(columns, bare):
        return _filtered(_base(columns), bare, db)
    return _filtered(select(*columns).select_from(Contact), bare, db)


def can_walk(q: ContactQuery) -> bool:
    """Whether a search in this query's order may walk the sort index (:func:`_can_walk`)."""
    return _can_walk(q)


# sort keys an index holds by contact id (migration 0018): a search sorted by one of them,
# with no other filter, looks its matches' keys up there instead of reading their rows
_SORT_KEYS_BY_ID = {"name": "ix_contacts_id_name"}


_INDEXES_FOUND: WeakKeyDictionary[Engine, dict[str, bool]] = WeakKeyDictionary()


def sort_key_index(q: ContactQuery, db: Database) -> str | None:
    """The index holding the query's sort key by id, if a search with no other filter on
    SQLite can read its matches' keys there (SQLite itself prefers the table's rowid, whose
    rows are ~370 bytes: at 1,000,000 contacts "Jürgen", ~30,000 matches, sorted by name in
    67 ms so, 22 ms through the index). None if the file has no such index (a schema before
    0018: ``INDEXED BY`` an index that is not there is an error)."""
    if not q.search or db.engine.dialect.name != "sqlite" or not _search_alone(q):
        return None
    name = _SORT_KEYS_BY_ID.get(q.sort)
    if name is None:
        return None
    found = _INDEXES_FOUND.setdefault(db.engine, {})
    if name not in found:  # once per engine: a schema changes only as a file is opened
        with db.engine.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?", (name,)
            ).first()
        found[name] = row is not None
    return name if found[name] else None


def select_matching(
    columns: Sequence[Any],
    q: ContactQuery,
    db: Database,
    among: Sequence[int] | None = None,
    limit: int | None = None,
    strategy: _search.Strategy | None = None,
    keys_only: bool = False,
) -> Select[Any]:
    """``SELECT columns`` over the contacts the query matches (no order, no paging).

    ``among`` keeps only these few ids, and states the stage filter so that the database looks
    them up by id rather than walking the whole stage's index (SQLite's choice otherwise).
    ``limit``: the caller reads at most this many rows in the query's order, which lets a
    broad search walk the sort index instead of sorting every match (:func:`app.search.plan`);
    ``strategy`` names the plan instead. ``keys_only``: ``columns`` are the contact's id and
    its sort key, no other (a sorted search may then read them in an index,
    :func:`sort_key_index`)."""
    if among is None:
        if strategy is None:
            strategy = _search.SORT
            if q.search:
                keyed = keys_only and sort_key_index(q, db) is not None
                strategy = _search.plan(db, q.search, limit, _can_walk(q), keyed)
        # no join to stages unless the query needs it: a walk reads only the sort index (it
        # holds the id), no row of the table, whose rows lie in id order, not in the sort's
        # ("Öz" by name at 1,000,000: 48 → 20 ms); a sorted page or search reads no stage
        stmt = _filtered(_source(columns, q), q, db, strategy)
        index = sort_key_index(q, db) if keys_only and strategy == _search.SORT else None
        if index is not None and not _needs_stage(columns, q):
            return stmt.with_hint(Contact.__table__, f"INDEXED BY {index}", "sqlite")
        return stmt
    from dataclasses import replace

    bare = replace(q, stage_keys=())
    stmt = _filtered(_source(columns, bare), bare, db)
    stmt = stmt.where(Contact.id.in_(list(among)))
    if q.stage_keys:
        stage_ids = select(Stage.id).where(Stage.key.in_(q.stage_keys))
        stmt = stmt.where(Contact.stage_id.in_(stage_ids))
    return stmt


def sort_expression(q: ContactQuery) -> Any:
    """The column (or expression) the query sorts by; the contact id breaks ties."""
    if q.sort not in SORT_COLUMNS:
        raise UsageError(f"cannot sort by {q.sort!r}; choose one of {', '.join(SORT_COLUMNS)}")
    return SORT_COLUMNS[q.sort]


def order_by(q: ContactQuery) -> list[Any]:
    """The query's total order: the sort key, then the id. Empty values count as the smallest
    (first ascending, last descending) on every database, as SQLite orders them."""
    col = sort_expression(q)
    if not getattr(col, "nullable", True):
        # a column that is never empty: no NULLS clause, which would keep PostgreSQL from
        # walking its index (an index is NULLS LAST ascending, NULLS FIRST descending): the
        # first page by date added at 100,000 contacts read in 2 ms instead of sorting all
        return [col.desc(), Contact.id.desc()] if q.descending else [col.asc(), Contact.id.asc()]
    if q.descending:
        return [col.desc().nulls_last(), Contact.id.desc()]
    return [col.asc().nulls_first(), Contact.id.asc()]


def query_ids(
    db: Database, q: ContactQuery, offset: int = 0, limit: int | None = None
) -> list[int]:
    """Contact ids in the query's order (``offset``/``limit`` for one-off slices; views page
    with :mod:`app.paging`, which never skips or repeats a contact when others change)."""
    wanted = None if limit is None else offset + limit
    from app import search_documents  # (it builds on this module)

    with db.session() as s:
        stmt: Select[Any]
        params: dict[str, Any] = {}
        if q.search and search_documents.usable(s, q):
            # a search alone sorted by date added (PostgreSQL): the search documents alone
            plan = _search.plan(db, q.search, wanted, True, documents=True)
            stmt, params = search_documents.keys(q, plan)
        else:
            stmt = select_matching([Contact.id], q, db, limit=wanted, keys_only=True)
            stmt = stmt.order_by(*order_by(q))
        if offset:
            stmt = stmt.offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        return list(s.scalars(stmt, params).all())


def count(db: Database, q: ContactQuery) -> int:
    if _needs_stage((), q):
        stmt = _filtered(_base([func.count(Contact.id)]), q, db)
    else:  # no join: PostgreSQL counts over a small index instead of the table (60 -> 9 ms)
        stmt = _filtered(select(func.count()).select_from(Contact), q, db)
    with db.session() as s:
        if q.search and _search_alone(q):  # PostgreSQL: counted in the search documents
            alone = _search.count_alone(s, q.search)
            if alone is not None:
                return alone
        if _unfiltered(q):
            total = _kept_total(s, db.engine)
            if total is not None:
                return total
        return int(s.scalar(stmt) or 0)


def _unfiltered(q: ContactQuery) -> bool:
    """Whether the query counts every contact (the sort counts nothing)."""
    return replace(q, sort="created", descending=True) == ContactQuery()


# whether a PostgreSQL database keeps its number of contacts (migration 0028), once per engine
_TOTAL_KEPT: WeakKeyDictionary[Engine, bool] = WeakKeyDictionary()


def _kept_total(s: Session, engine: Engine) -> int | None:
    """How many contacts there are, as PostgreSQL keeps the number (migration 0028:
    ``contacts_total``, the sum of what each writing statement added or removed): where
    ``count(*)`` reads an entry of an index for each contact (100,000 contacts: ~10 ms of the
    server's CPU quiet, the most of the list's first page after opening). None where it is not
    kept (SQLite counts fast; a schema before 0028) or not the list's count (an import
    unfinished: its contacts are left out of every query, db.visibility)."""
    if engine.dialect.name != "postgresql":
        return None
    if not s.info.get(SEE_UNFINISHED) and unfinished_batches(s):
        return None
    kept = _TOTAL_KEPT.get(engine)
    if kept is None:
        # opened at the head revision: the table is there (no statement to ask)
        kept = opened_at_head(engine) or bool(
            s.scalar(text("SELECT to_regclass('contacts_total') IS NOT NULL"))
        )
        _TOTAL_KEPT[engine] = kept
    if not kept:
        return None
    return int(s.scalar(text("SELECT coalesce(sum(n), 0) FROM contacts_total")) or 0)


def _search_alone(q: ContactQuery) -> bool:
    """Whether the query filters by nothing but its search (the sort counts nothing)."""
    from dataclasses import replace

    return replace(q, search=None, sort="created", descending=True) == ContactQuery()


def count_capped(db: Database, q: ContactQuery, cap: int = COUNT_CAP) -> int:
    """The count if at most ``cap``, else ``cap + 1`` ("10,000+"): stops after ``cap + 1``
    matches, so a broad search is not counted through."""
    inner = _filtered(_source([Contact.id], q), q, db).limit(cap + 1).subquery()
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(inner)) or 0)


def count_by_stage(db: Database, q: ContactQuery) -> dict[str, int]:
    """Counts per stage key under the query's other filters (the stage filter ignored).

    Grouped by the contacts' stage id, without joining ``stages``: an index on the stage id
    answers it alone (the board's counts at 100,000 contacts: 7.9 -> 4.2 ms in SQLite)."""
    from dataclasses import replace

    bare = replace(q, stage_keys=(), sort="created")  # the order does not change a count
    columns: list[Any] = [Contact.stage_id, func.count()]
    stmt = _filtered(select(*columns).select_from(Contact), bare, db)
    with db.session() as s:
        keys: dict[int, str] = {i: k for i, k in s.execute(select(Stage.id, Stage.key))}
        return {
            keys[stage_id]: int(n)
            for stage_id, n in s.execute(stmt.group_by(Contact.stage_id))
            if stage_id in keys
        }


_ROW_COLUMNS = (
    Contact.id,
    Contact.name,
    Contact.email,
    Contact.company,
    Contact.title,
    Stage.key,
    Contact.source,
    Contact.created_at,
    Contact.score,
    Contact.domain_class,
    Contact.sales_ready,
    Contact.response_due_at,
    Contact.first_response_at,
    Contact.next_action_at,
    Contact.persona_name,
    Contact.persona_fit,
    Contact.version,
)


# built once: a statement made per call cost more than reading its 100 rows (the list reads
# 100 rows per block; 1.9 ms a block at 100,000 contacts, 0.9 ms like this)
_ROWS_BY_ID = _base(_ROW_COLUMNS).where(Contact.id.in_(bindparam("ids", expanding=True)))


# PostgreSQL: the ids as one array (the statement's text the same for any number of them, so
# psycopg prepares it after a few uses and the server plans it no more), and the contacts of an
# unfinished import left out by the statement itself (db.visibility asked for them first: a
# round trip of its own each time rows were read)
@functools.cache
def _rows_by_id_pg(see_unfinished: bool) -> Any:
    # the PostgreSQL dialect's ARRAY imported when PostgreSQL is used: a SQLite read loads
    # none of that dialect (tests/app/test_cli_imports.py)
    from sqlalchemy.dialects.postgresql import ARRAY

    by_ids = Contact.id == any_(bindparam("ids", type_=ARRAY(Integer)))
    if see_unfinished:
        return _base(_ROW_COLUMNS).where(by_ids)
    return _base(_ROW_COLUMNS).where(
        by_ids,
        or_(
            Contact.import_batch_id.is_(None),
            Contact.import_batch_id.not_in(
                select(ImportBatch.id).where(ImportBatch.state == "running")
            ),
        ),
    )


def load_rows(db: Database, ids: Sequence[int]) -> dict[int, ContactRow]:
    """Rows for these ids (missing ids are absent from the result; so are the contacts of an
    unfinished import, as in every query: ``db.visibility``)."""
    out: dict[int, ContactRow] = {}
    with db.session() as s:
        conn = s.connection()
        if conn.dialect.name == "postgresql":
            pg = _rows_by_id_pg(bool(s.info.get(SEE_UNFINISHED)))
            for r in conn.execute(pg, {"ids": list(ids)}).all():
                values = list(r)
                values[10] = bool(values[10])
                out[r[0]] = ContactRow(*values)
            return out
        # Core, not the ORM: the rows are plain tuples (the ORM's result handling took half
        # the time); what the ORM would add for a running import is added here
        hidden = unfinished_batches(s) if not s.info.get(SEE_UNFINISHED) else ()
        if not hidden and conn.dialect.name == "sqlite":
            # the statement's text once per number of ids, the values turned as its columns'
            # types turn them: SQLAlchemy renders the IN list's parameters again at each
            # execution (100 rows of the list at 100,000 contacts: 2.2 -> 1.2 ms)
            # on the driver's cursor (app.search.driver_rows): SQLAlchemy's execution and
            # result around it cost as much as reading the 40 rows a keystroke shows
            sql, turn = _rows_sql(conn.dialect)
            for chunk in _chunks(list(ids), 900):
                marks = ",".join("?" * len(chunk))
                for r in _search.driver_rows(conn, f"{sql}({marks})", chunk):
                    values = list(r)
                    for index, process in turn:
                        if values[index] is not None:  # (each type reads None as None)
                            values[index] = process(values[index])
                    values[10] = bool(values[10])
                    out[r[0]] = ContactRow(*values)
            return out
        stmt = _ROWS_BY_ID
        if hidden:
            stmt = stmt.where(
                or_(Contact.import_batch_id.is_(None), Contact.import_batch_id.not_in(hidden))
            )
        for chunk in _chunks(list(ids), 900):
            for r in conn.execute(stmt, {"ids": list(chunk)}).all():
                values = list(r)
                values[10] = bool(values[10])
                out[r[0]] = ContactRow(*values)
    return out


_ROWS_SQL: WeakKeyDictionary[Dialect, tuple[str, list[tuple[int, Callable[[Any], Any]]]]] = (
    WeakKeyDictionary()
)


def _rows_sql(dialect: Dialect) -> tuple[str, list[tuple[int, Callable[[Any], Any]]]]:
    """``SELECT <the row's columns> … WHERE contacts.id IN `` as text for the driver, and the
    columns whose values a type turns (each column's place, how), once per engine's dialect
    (db.times gives Winnow's its own way of reading times)."""
    found = _ROWS_SQL.get(dialect)
    if found is None:
        head = str(_base(_ROW_COLUMNS).compile(dialect=dialect))
        turn = []
        for index, column in enumerate(_ROW_COLUMNS):
            process = column.type._cached_result_processor(dialect, None)
            if process is not None:
                turn.append((index, process))
        found = _ROWS_SQL[dialect] = (f"{head} WHERE contacts.id IN ", turn)
    return found


def list_rows(db: Database, q: ContactQuery, limit: int | None = None) -> list[ContactRow]:
    """Rows in query order (for the CLI and exports)."""
    ids = query_ids(db, q, 0, limit)
    rows = load_rows(db, ids)
    return [rows[i] for i in ids if i in rows]


def iter_rows(db: Database, q: ContactQuery, page: int = 2000) -> Iterable[ContactRow]:
    """All rows of a query, page by page (flat memory for exports)."""
    ids = query_ids(db, q)
    for chunk in _chunks(ids, page):
        rows = load_rows(db, chunk)
        for i in chunk:
            if i in rows:
                yield rows[i]


def distinct_sources(db: Database) -> list[tuple[str, int]]:
    with db.session() as s:
        rows = s.execute(
            select(Contact.source, func.count())
            .where(Contact.source.is_not(None))
            .group_by(Contact.source)
            .order_by(func.count().desc())
        ).all()
    return [(str(src), int(n)) for src, n in rows]


def set_fields_raw(s: Session, contact_id: int, values: Mapping[str, Any]) -> None:
    """Write already-validated values (used by undo and imports)."""
    s.execute(update(Contact).where(Contact.id == contact_id).values(**values))

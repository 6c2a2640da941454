"""Search as you type, on each database: every typed word must start a word of the contact's
name, e-mail, company or title, accents folded ("jurg" finds Jürgen, "lefev" Lefèvre), an
address found by its parts ("gmail", "p1@firma").

- SQLite: the FTS5 table ``contacts_fts`` (migrations 0001, 0009), a prefix phrase per typed word.
- PostgreSQL: ``document @@ to_tsquery('winnow_search', …)`` over the GIN index of the table
  ``contact_search`` (migration 0015: one ``winnow_search_vector`` of migration 0007 per
  contact, unaccent + prefix matching, kept by triggers; measured against ``pg_trgm``, see the
  README's performance table).
- Any other database: a substring match with LIKE.

A page of a search in a sort order is read one of two ways on SQLite (:func:`plan`): a
*narrow* search (few matches) sorts its matches, as any filter does; a *broad* one ("gm",
"a") walks the sort column's index and keeps each contact that is in the set of matches, so
that the first page costs about as much for 40,000 matches as for 4,000 (the set of rowids is
still built once per statement: FTS5 cannot test one rowid cheaply, a correlated ``rowid =``
lookup measured 100-1000x slower). The choice is a cost estimate from the number of matches,
counted in the full-text index alone and capped (:func:`estimate`).
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from sqlalchemy import ColumnElement, any_, func, literal_column, or_, select, text
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import Contact
from db.visibility import SEE_UNFINISHED, unfinished_batches

Strategy = Literal["sort", "walk"]
SORT: Strategy = "sort"  # the matches looked up by rowid and sorted (narrow searches)
WALK: Strategy = "walk"  # the sort index walked, each contact tested against the matches

_TOKEN_RE = re.compile(r"[\w@.\-+']+", re.UNICODE)
_PART_RE = re.compile(r"[^\W_]+", re.UNICODE)


def typed_words(search: str) -> list[str]:
    """The words typed, without the punctuation around them."""
    return [tok for tok in (t.strip(".-'+") for t in _TOKEN_RE.findall(search)) if tok]


def fts_query(search: str) -> str | None:
    """Turn typed text into an FTS5 prefix query: every word must match a word's start."""
    tokens = ['"' + tok.replace('"', "") + '"*' for tok in typed_words(search)]
    return " AND ".join(tokens) or None


def tsquery(search: str) -> str | None:
    """Turn typed text into a PostgreSQL ``to_tsquery`` text: each typed word is a phrase of
    its parts (``p1@firma`` → ``p1 <-> firma:*``), the last part a prefix; all must match.

    Only letters and digits reach ``to_tsquery``, so nothing typed is read as an operator."""
    terms = []
    for word in typed_words(search):
        parts = _PART_RE.findall(word)
        if parts:
            terms.append("(" + " <-> ".join(parts) + ":*)")
    return " & ".join(terms) or None


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_condition(
    search: str, dialect: str, strategy: Strategy = SORT
) -> ColumnElement[bool] | None:
    """The WHERE condition on ``contacts`` for typed text, or None when nothing was typed.

    ``strategy`` (SQLite only) shapes the plan, never the result: WALK writes the membership
    test as ``+contacts.id IN (…)``, which SQLite cannot use to look contacts up by id, so it
    walks the ORDER BY's index and stops after the LIMIT."""
    if not search.strip():
        return None
    if dialect == "sqlite":
        match = fts_query(search)
        if match is None:
            return None
        member = literal_column("+contacts.id") if strategy == WALK else Contact.id
        return member.in_(
            select(literal_column("rowid"))
            .select_from(text("contacts_fts"))
            .where(text("contacts_fts MATCH :fts").bindparams(fts=match))
        )
    if dialect == "postgresql":
        query = tsquery(search)
        if query is None:
            return None
        # the documents are a table of their own, kept by triggers (migration 0015); the
        # configuration a constant (not a parameter), as the documents were made with it
        matches: ColumnElement[Any] = (
            select(literal_column("contact_id"))
            .select_from(text("contact_search"))
            .where(
                text(
                    "contact_search.document @@ to_tsquery('winnow_search'::regconfig, :tsq)"
                ).bindparams(tsq=query)
            )
            .scalar_subquery()
        )
        # the matching ids as one array, looked up in the contacts' primary key: written as a
        # join (IN), the planner walked a sort order's index probing one document a contact,
        # or read the whole primary key to hash-join a count (100,000 contacts, load 10: the
        # first 200 of "gmail", 1,901 matches, 31-36 ms; as an array 8 ms)
        return Contact.id == any_(func.array(matches))
    pattern = f"%{_like_escape(search.strip())}%"
    return or_(
        Contact.name.ilike(pattern, escape="\\"),
        Contact.email.ilike(pattern, escape="\\"),
        Contact.other_emails.ilike(pattern, escape="\\"),
        Contact.company.ilike(pattern, escape="\\"),
        Contact.title.ilike(pattern, escape="\\"),
    )


_COUNT_DOCUMENTS = (
    "SELECT count(*) FROM contact_search"
    " WHERE document @@ to_tsquery('winnow_search'::regconfig, :tsq)"
)


def count_alone(s: Session, search: str) -> int | None:
    """How many contacts typed text matches, for a search with no other filter, counted in
    PostgreSQL's ``contact_search`` alone: it holds one document per contact (migration 0015's
    triggers), so the count need not look each match up in the contacts' primary key, which
    was most of its cost (the 50 typed queries of the benchmark at 100,000 contacts: 8.7 ms of
    the server's CPU each, 2.9 ms counted alone). None where that would not be the list's
    count: on another database, or while an import is unfinished (its contacts are left out
    of every query, db.visibility, yet have their documents)."""
    if s.get_bind().dialect.name != "postgresql":
        return None
    if not s.info.get(SEE_UNFINISHED) and unfinished_batches(s):
        return None
    query = tsquery(search)
    if query is None:
        return None
    return int(s.execute(text(_COUNT_DOCUMENTS), {"tsq": query}).scalar_one())


# --- choosing the plan (SQLite) ----------------------------------------------------------

# CPU per row in microseconds, measured through app.paging at 100,000 demo contacts: looking
# up and sorting a match (1.6-1.7), putting a match in the set (0.1), stepping the sort index
# and testing one contact (0.35-0.55; up to 1.6 where matches cluster in the order, as first
# names in a sort by last name). Break-even near sqrt(60 * contacts) matches for a 200-row page.
_SORT_COST = 1.6
_SET_COST = 0.1
_STEP_COST = 0.45
ESTIMATE_CAP = 20_000  # matches counted at most for the estimate
_ESTIMATE_TTL = 30.0  # seconds an estimate is reused (it only picks a plan)
_estimates: OrderedDict[tuple[str, str], tuple[float, int, int]] = OrderedDict()
_lock = threading.Lock()
_forced: list[Strategy] = []
_ESTIMATE_SQL = (
    "SELECT count(*) FROM (SELECT 1 FROM contacts_fts WHERE contacts_fts MATCH ? LIMIT ?)"
)


@contextmanager
def forced(strategy: Strategy) -> Iterator[None]:
    """Every SQLite search in this block uses ``strategy`` (tests compare the two)."""
    _forced.append(strategy)
    try:
        yield
    finally:
        _forced.pop()


def estimate(db: Database, search: str) -> tuple[int, int]:
    """(matches in the full-text index, capped at ESTIMATE_CAP; contacts, from the largest
    id) for typed text on SQLite. Cached briefly: the figures only choose a plan."""
    match = fts_query(search) or ""
    key = (str(db.engine.url), match)
    now = time.monotonic()
    with _lock:
        hit = _estimates.get(key)
        if hit is not None and now - hit[0] < _ESTIMATE_TTL:
            return hit[1], hit[2]
    with db.engine.connect() as conn:
        matches = conn.exec_driver_sql(_ESTIMATE_SQL, (match, ESTIMATE_CAP)).scalar()
        size = conn.exec_driver_sql("SELECT max(id) FROM contacts").scalar()
    out = (int(matches or 0), int(size or 0))
    with _lock:
        _estimates[key] = (now, *out)
        while len(_estimates) > 64:
            _estimates.popitem(last=False)
    return out


def choose(matches: int, contacts: int, limit: int | None) -> Strategy:
    """The cheaper plan for ``limit`` rows (None: all) of ``matches`` among ``contacts``."""
    if limit is None or matches <= 0:
        return SORT
    walked = min(contacts, limit * contacts / matches)
    walk = _SET_COST * matches + _STEP_COST * walked
    return WALK if walk < _SORT_COST * matches else SORT


def plan(db: Database, search: str, limit: int | None, can_walk: bool) -> Strategy:
    """How to read ``limit`` rows of a search: WALK when the sort has an index to walk
    (``can_walk``) and the estimate says it is cheaper, else SORT."""
    if _forced:
        return _forced[-1]
    if not can_walk or limit is None or db.engine.dialect.name != "sqlite":
        return SORT
    if fts_query(search) is None:
        return SORT
    matches, size = estimate(db, search)
    return choose(matches, size, limit)

"""Search as you type, on each database: every typed word must start a word of the contact's
name, e-mail, company or title, accents folded ("jurg" finds Jürgen, "lefev" Lefèvre), an
address found by its parts ("gmail", "p1@firma").

- SQLite: the FTS5 table ``contacts_fts`` (migrations 0001, 0009, 0018, 0020), each typed
  word's parts asked for, the last as a prefix (the index keeps no word positions).
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

On PostgreSQL the same two plans are two ways of writing the membership test
(:func:`search_condition`): a narrow search hands the matching ids over as one array, looked
up in the contacts' primary key and sorted (SORT); a broad one is an ``IN (subquery)``, which
the planner answers by walking the sort column's index and probing each contact's document
(WALK). The estimate there is the planner's own row estimate for the documents' query (the
GIN index's statistics; an ``EXPLAIN``, no row read). A search alone sorted by date added
reads the documents only, which carry each contact's date (:mod:`app.search_documents`).
"""

from __future__ import annotations

import math
import re
import threading
import time
import unicodedata
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, any_, func, literal_column, or_, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
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
    """Turn typed text into an FTS5 query: every word must match a word's start. A word of
    several parts (``p1@firma``, ``Jean-Luc``) asks for each part: the last one as a prefix,
    the others whole (``"p1" AND "firma"*``). The index keeps no positions
    (``detail=none``, migration 0020), so the parts are not asked to follow each other as a
    phrase; PostgreSQL's :func:`tsquery` still does."""
    terms = []
    for word in typed_words(search):
        parts = _PART_RE.findall(word)
        if not parts:  # punctuation alone: a phrase of no word, which matches nothing
            terms.append('"' + word.replace('"', "") + '"*')
        terms += [f'"{part}"' for part in parts[:-1]] + [f'"{part}"*' for part in parts[-1:]]
    return " AND ".join(terms) or None


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


def fts_rowids(match: str) -> Select[Any]:
    """``SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH <match>`` (SQLite): the ids of
    the contacts an :func:`fts_query` matches."""
    return (
        select(literal_column("rowid"))
        .select_from(text("contacts_fts"))
        .where(text("contacts_fts MATCH :fts").bindparams(fts=match))
    )


def driver_rows(conn: Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """The rows of ``sql`` (the driver's paramstyle) run on ``conn``'s driver connection, in
    its transaction: SQLAlchemy's execution and result layers cost ~0.3-1 ms a statement, as
    much as a keystroke's small statements themselves. The engine's ``before_cursor_execute``
    listeners are told (with no execution context), as for any statement; a driver error is
    raised as SQLAlchemy's (:class:`sqlalchemy.exc.DBAPIError`), as it would be."""
    values = tuple(params)
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        conn.dispatch.before_cursor_execute(conn, cursor, sql, values, None, False)
        cursor.execute(sql, values)
        return list(cursor.fetchall())
    except dbapi.Error as exc:
        raise DBAPIError.instance(sql, values, exc, dbapi.Error, dialect=conn.dialect) from exc
    finally:
        cursor.close()


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_condition(
    search: str, dialect: str, strategy: Strategy = SORT
) -> ColumnElement[bool] | None:
    """The WHERE condition on ``contacts`` for typed text, or None when nothing was typed.

    ``strategy`` shapes the plan, never the result. On SQLite WALK writes the membership test
    as ``+contacts.id IN (…)``, which SQLite cannot use to look contacts up by id, so it walks
    the ORDER BY's index and stops after the LIMIT. On PostgreSQL SORT hands the matching ids
    over as one array, WALK writes an ``IN (subquery)`` (see below)."""
    if not search.strip():
        return None
    if dialect == "sqlite":
        match = fts_query(search)
        if match is None:
            return None
        member = literal_column("+contacts.id") if strategy == WALK else Contact.id
        return member.in_(fts_rowids(match))
    if dialect == "postgresql":
        query = tsquery(search)
        if query is None:
            return None
        # the documents are a table of their own, kept by triggers (migration 0015); the
        # configuration a constant (not a parameter), as the documents were made with it
        documents: Select[Any] = (
            select(literal_column("contact_id"))
            .select_from(text("contact_search"))
            .where(
                text(
                    "contact_search.document @@ to_tsquery('winnow_search'::regconfig, :tsq)"
                ).bindparams(tsq=query)
            )
        )
        if strategy == WALK:
            # a broad search (plan_bounded): as a join (IN) the planner walks the sort
            # order's index and probes each contact's document until the page is full
            # (100,000 contacts, the first 200 of "pl", 16,239 matches: 1-6 ms, as an
            # array 60 ms; README, issue 14)
            return Contact.id.in_(documents)
        # a narrow one: the matching ids as one array, looked up in the contacts' primary key
        # and sorted; written as a join, the planner walked a sort order's index probing one
        # document a contact far past the page (the first 200 of "gmail", 1,901 matches:
        # 12 ms as an array, 90-190 ms as a join)
        return Contact.id == any_(func.array(documents.scalar_subquery()))
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

# CPU per row in microseconds, measured in SQLite on the demo databases (2026-12-01, load
# 11-14; tests/app/test_search_plan_random.py checks that no choice changes a page): putting a
# match in the set (0.11), stepping the sort index and testing one contact against the set
# (0.15-0.21 at 100,000 and at 1,000,000 alike), looking up and sorting a match (0.9-1.5 at
# 100,000, 2.2-2.6 at 1,000,000: its row is less often in a cache the larger the table).
_SET_COST = 0.11
_STEP_COST = 0.19
# looking a match's sort key up in an index that holds it by id (app.contacts.sort_key_index,
# ~27 bytes a contact, in the cache at both sizes) and sorting it: 0.6-0.8 µs at 100,000 and
# at 1,000,000 alike (migration 0018)
_KEYED_SORT_COST = 0.7


# PostgreSQL (100,000 contacts, loopback, load 3-4, warm; the first 200 of a search sorted by
# created or name): the array plan costs 3.3-6 µs a match (reading its document's row for the
# id, looking the contact up, sorting); the walk 5-12 µs a contact stepped (its row, a probe of
# its document by id), more where the planner runs it in parallel workers that each walk their
# own stretch (18-27 µs). Walks are chosen from about 6,300 matches among 100,000 on ("pl ma"
# 6,482 estimated: walk 19-20 ms, array 50-55; "kessle" 4,600: array 24-31, walk 43-163)
_PG_ARRAY_COST = 4.0
_PG_STEP_COST = 8.0
# A search alone sorted by date added reads the search documents alone (app.search_documents,
# migration 0025). 100,000 demo contacts, the first 200 of the benchmark's typed searches, each
# plan forced (server, best of 5, load 10): sorting a match found by the GIN index 1.2-2 µs
# ("gmail" 1,914 matches 2.5 ms, "pl" 16,278: 30 ms), stepping the date index and testing the
# document in the row 0.9-1.2 µs for one typed word, up to 2.4 for two ("pl" walked 1.4 ms,
# "Jürgen M" 51 ms: 1,265 matches, sorted 14 ms)
_PG_DOC_SORT_COST = 1.5
_PG_DOC_STEP_COST = 1.0


def _sort_cost(contacts: int, keyed: bool = False) -> float:
    """Looking up and sorting one match among ``contacts`` (1.1 µs at 100,000, 2.2 at 1M; a
    key looked up in an index that holds it by id, ``keyed``: 0.7 µs)."""
    if keyed:
        return _KEYED_SORT_COST
    return 1.1 * (1 + math.log10(max(contacts, 100_000) / 100_000))


ESTIMATE_CAP = 20_000  # matches counted at most for the estimate
_ESTIMATE_TTL = 30.0  # seconds an estimate is reused (it only picks a plan)
_estimates: OrderedDict[tuple[str, str], tuple[float, int, int]] = OrderedDict()
_lock = threading.Lock()
_forced: list[tuple[Strategy, int | None]] = []
# walks that stopped at their budget, and searches sorted for their few matches, per
# (database, place): folded words -> when
_short_walks: OrderedDict[tuple[str, Hashable], dict[tuple[str, ...], float]] = OrderedDict()
# each engine's URL as a key of the caches here (rendering it cost 25 µs, several a keystroke)
_urls: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def database_key(db: Database) -> str:
    """The database's URL as the caches here key it (password hidden), worked out once."""
    engine = db.engine
    url = _urls.get(engine)
    if url is None:
        url = _urls[engine] = str(engine.url)
    return url


_ESTIMATE_SQL = (
    "SELECT count(*) FROM (SELECT 1 FROM contacts_fts WHERE contacts_fts MATCH ? LIMIT ?)"
)
_PG_ESTIMATE_SQL = (
    "EXPLAIN (FORMAT JSON) SELECT 1 FROM contact_search"
    " WHERE document @@ to_tsquery('winnow_search'::regconfig, :tsq)"
)


def is_forced() -> bool:
    """Whether a plan is forced (:func:`forced`): then no estimate changes it."""
    return bool(_forced)


@contextmanager
def forced(strategy: Strategy, budget: int | None = None) -> Iterator[None]:
    """Every SQLite search in this block uses ``strategy`` (tests compare the plans); a walk
    steps at most ``budget`` entries of each run of the sort index and sorts the rest of the
    matches after them (None: no bound, the whole index if need be)."""
    _forced.append((strategy, budget))
    try:
        yield
    finally:
        _forced.pop()


def estimate(db: Database, search: str, conn: Connection | None = None) -> tuple[int, int]:
    """(matches in the full-text index, capped at ESTIMATE_CAP; contacts, from the largest
    id) for typed text on SQLite. Cached briefly: the figures only choose a plan. Read on
    ``conn`` if given (SQLite: the caller's, whose transaction has begun; else a connection
    of the pool's, a check-out and a ``BEGIN`` more).

    On PostgreSQL: the planner's row estimate for the documents' query, not capped (it reads
    no row; several words as the planner combines them, which may take correlated words for
    fewer matches than there are: that picks the array, whose cost grows with the matches
    only, never a walk of the whole index).

    Several words are estimated by the contacts matching all of them but a word of one
    letter (an upper bound): that word is never the rarest (every word starting with m), and
    before migration 0018 gave the index a one-letter prefix table (``prefix='1 2'``)
    counting "m"* merged the lists of all those words, 36 ms at 1,000,000 contacts for
    "Jürgen M", more than the page it chose a plan for. Two such words or more are counted
    together (the index merges their lists, 0.2-0.8 ms at 100,000 contacts, 1.4-5.5 at
    1,000,000): "Jürgen Mü" matches 338 contacts at 100,000, its rarest word 2,962, so it was
    walked for a budget of 15,433 entries before its few matches were sorted (4.4-6.1 ms; 1.2-1.5
    sorted at once). They were estimated by the rarest word, each counted once while typing."""
    if db.engine.dialect.name == "postgresql":
        return _estimate(db, tsquery(search) or "")
    words = [w for w in typed_words(search) if fts_query(w)]
    counted = [w for w in words if _prefix_indexed(w)]
    if len(words) > 1 and counted:
        return _estimate(db, " AND ".join(fts_query(w) or "" for w in counted), conn)
    return _estimate(db, fts_query(search) or "", conn)


def _prefix_indexed(word: str) -> bool:
    """Whether the prefix a typed word searches (its last part) has two letters or more."""
    parts = _PART_RE.findall(word)
    return bool(parts) and len(parts[-1]) >= 2


def _estimate(db: Database, match: str, conn: Connection | None = None) -> tuple[int, int]:
    key = (database_key(db), match)
    now = time.monotonic()
    with _lock:
        hit = _estimates.get(key)
        if hit is not None and now - hit[0] < _ESTIMATE_TTL:
            _estimates.move_to_end(key)
            return hit[1], hit[2]
    if db.engine.dialect.name == "postgresql":
        out = _pg_estimate(db, match, now)
    else:
        with ExitStack() as stack:
            if conn is None:
                conn = stack.enter_context(db.engine.connect())
            matches = driver_rows(conn, _ESTIMATE_SQL, (match, ESTIMATE_CAP))[0][0]
            size = driver_rows(conn, "SELECT max(id) FROM contacts")[0][0]
        out = (int(matches or 0), int(size or 0))
    with _lock:
        _estimates[key] = (now, *out)
        while len(_estimates) > 64:
            _estimates.popitem(last=False)
    return out


# PostgreSQL: the largest contact id per database, (when, id), kept as long as an estimate
_pg_sizes: dict[str, tuple[float, int]] = {}


def _pg_estimate(db: Database, tsq: str, now: float) -> tuple[int, int]:
    """:func:`_estimate` on PostgreSQL in one round trip: the planner's row estimate, asked
    outside any transaction (``BEGIN`` and ``ROLLBACK`` around a statement that reads no row
    were two more round trips a keystroke), and the largest id kept for the estimates'
    time-to-live (it only prices a plan; it was a round trip of its own a keystroke)."""
    url = database_key(db)
    with _lock:
        known = _pg_sizes.get(url)
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        matches: Any = 0
        if tsq:
            plan = conn.execute(text(_PG_ESTIMATE_SQL), {"tsq": tsq}).scalar_one()
            matches = plan[0]["Plan"]["Plan Rows"]
        if known is not None and now - known[0] < _ESTIMATE_TTL:
            size = known[1]
        else:
            size = int(conn.exec_driver_sql("SELECT max(id) FROM contacts").scalar() or 0)
            with _lock:
                _pg_sizes[url] = (now, size)
                while len(_pg_sizes) > 32:
                    del _pg_sizes[next(iter(_pg_sizes))]
    return int(matches or 0), size


# --- where a broad search's matches lie (SQLite) ----------------------------------------

SAMPLE_STRIPES = 4  # stretches of the ids a sample of matches is taken from
SAMPLE_PER_STRIPE = 16  # matches taken from the start of each
_samples: OrderedDict[tuple[str, str], tuple[float, tuple[int, ...], int]] = OrderedDict()


# a sample costs ~0.2 ms (at 100,000 and at 1,000,000 contacts, the sort's spread of keys
# read ahead by app.paging.prepare_search): it is taken where the sort it may choose instead
# of a walk costs this much (µs) or more (at 100,000 from ~1,800 matches, by name ~2,900; at
# 1,000,000 from ~900). A walk whose matches lie together late in the order steps its whole
# budget, as much as the sort would cost (:func:`budget`), and then sorts them all the same:
# twice the sort, so a sample pays where the sort costs ten times the sample. At 8,000 µs
# (before, when a sample cost 0.3-1 ms) "ke" sorted by company at 100,000 was not sampled
# (4,635 matches, all but 58 at one company past a third of the order: its keys 12.7 ms, 3.4
# sampled), nor "Jü" by name (5.5 ms, 2.3 sampled). Only a search with a word of two letters
# is sampled (:func:`sampled_word`), though every prefix of one to six letters has its own
# table in the index since migration 0020
SAMPLE_WORTH = 2000.0


def worth_sampling(matches: int, contacts: int, keyed: bool = False) -> bool:
    """Whether sorting ``matches`` among ``contacts`` costs enough for a sample of where they
    lie to pay (:data:`SAMPLE_WORTH`)."""
    return _sort_cost(contacts, keyed) * matches >= SAMPLE_WORTH


def sampled_word(search: str) -> str | None:
    """The typed word whose matches :func:`sample_matches` samples: a word of two letters
    (one part). The full-text index keeps a table of every prefix of one to six letters
    (``prefix='1 2 3 4 5 6'``, migration 0020; ``'1 2'`` before it, migration 0018), so
    seeking the list of any such prefix at an id costs a few microseconds; a prefix of seven
    letters or more merges the lists of all its words at each seek ("kessler": 1.5 ms a seek
    at 1,000,000 contacts, "plant man" 20 ms). Only two letters are sampled all the same:
    sampling longer prefixes (three letters and more, from the estimate's count) was tried
    when only two-letter prefixes had their own table, and every keystroke at 100,000 paid
    1-2 ms for it (docs/performance-log.md, 2026-12-01); not measured again since 0020.
    Every contact a search matches matches each of its words; of several such words, the
    last typed."""
    words = [w for w in typed_words(search) if fts_query(w)]
    short = [w for w in words if len(_PART_RE.findall(w)) == 1 and len(w) == 2]
    return short[-1] if short else None


def sample_matches(
    db: Database, word: str, conn: Connection | None = None
) -> tuple[tuple[int, ...], int]:
    """(ids of up to SAMPLE_STRIPES x SAMPLE_PER_STRIPE contacts matching ``word``, taken from
    the start of each of SAMPLE_STRIPES equal stretches of the ids; the number of contacts it
    matches, worked out from how far apart those lie, not capped) on SQLite. Where a page's
    matches lie in a sort order is then told by these ids' sort values
    (:func:`app.paging.walk_reach`). Read on ``conn`` if given (the caller's: a second
    connection is opened where the pool has none free). Cached as the estimates are (30 s)."""
    key = (database_key(db), word)
    now = time.monotonic()
    with _lock:
        hit = _samples.get(key)
        if hit is not None and now - hit[0] < _ESTIMATE_TTL:
            _samples.move_to_end(key)
            return hit[1], hit[2]
    match = fts_query(word) or ""
    ids: list[int] = []
    found = 0.0
    with ExitStack() as stack:
        if conn is None:
            conn = stack.enter_context(db.engine.connect())
        size = int(driver_rows(conn, "SELECT max(id) FROM contacts")[0][0] or 0)
        starts = sorted({size * k // SAMPLE_STRIPES + 1 for k in range(SAMPLE_STRIPES)})
        # one statement, a seek per stretch (each a subquery: a LIMIT of its own)
        sql = " UNION ALL ".join([_SAMPLE_SQL] * len(starts))
        params: list[Any] = []
        for start in starts:
            params += [start, match, start, SAMPLE_PER_STRIPE]
        rows = driver_rows(conn, sql, params)
    for start, end in zip(starts, [*starts[1:], size + 1], strict=True):
        inside = [int(r) for stripe, r in rows if stripe == start and r < end]
        ids.extend(inside)
        if len(inside) == SAMPLE_PER_STRIPE:  # the stretch holds more: as dense as these
            found += len(inside) * (end - start) / (inside[-1] - start + 1)
        else:
            found += len(inside)
    out = (tuple(ids), round(found))
    with _lock:
        _samples[key] = (now, *out)
        while len(_samples) > 64:
            _samples.popitem(last=False)
    return out


_SAMPLE_SQL = (
    "SELECT ?, * FROM (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ? AND rowid >= ?"
    " ORDER BY rowid LIMIT ?)"
)


def _folded(word: str) -> str:
    """A typed word as the full-text index compares it: lower case, accents dropped."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _narrows(words: Sequence[str], earlier: Sequence[str]) -> bool:
    """Whether every contact matching ``words`` also matches ``earlier``: each earlier word
    starts one of the words now ("Jür" → "Jürgen M")."""
    return all(any(w.startswith(e) for w in words) for e in earlier)


def remember_short_walk(db: Database, place: Hashable, search: str) -> None:
    """A walk of the sort index for ``search`` from ``place`` (the query without its search,
    and the page's bounds) stopped at its budget before it filled the page, or the search
    was sorted for its few matches (:func:`app.paging.keys_between`): the searches typed on
    from there are sorted at once (:func:`walk_fell_short`)."""
    words = tuple(_folded(w) for w in typed_words(search))
    key = (database_key(db), place)
    now = time.monotonic()
    with _lock:
        seen = _short_walks.get(key)
        if seen is None:
            seen = _short_walks[key] = {}
        else:
            _short_walks.move_to_end(key)
        seen.pop(words, None)
        seen[words] = now
        while len(seen) > 64:
            del seen[next(iter(seen))]
        while len(_short_walks) > 32:
            _short_walks.popitem(last=False)


def walk_fell_short(db: Database, place: Hashable, search: str) -> bool:
    """Whether a walk for ``search`` from ``place`` would stop short too, as one for a search
    it narrows did moments ago (its matches are among those, its budget no larger): the
    matches are then sorted at once rather than walked to the budget again. Never while a
    plan is forced (tests)."""
    if _forced:
        return False
    now = time.monotonic()
    with _lock:
        seen = _short_walks.get((database_key(db), place))
        if not seen:
            return False
        earlier = [w for w, at in seen.items() if now - at < _ESTIMATE_TTL]
    words = [_folded(w) for w in typed_words(search)]
    return any(_narrows(words, e) for e in earlier)


def choose(
    matches: int,
    contacts: int,
    limit: int | None,
    keyed: bool = False,
    dialect: str = "sqlite",
    reach: float = 0,
    documents: bool = False,
) -> Strategy:
    """The cheaper plan for ``limit`` rows (None: all) of ``matches`` among ``contacts``
    (``keyed``: the sort reads its keys in an index holding them by id), on SQLite or
    PostgreSQL (``dialect``: there the walk builds no set, each contact stepped is probed;
    ``documents``: the search documents alone are read, :mod:`app.search_documents`).

    A walk is priced at the entries an even spread of the matches needs to fill the page,
    or at ``reach`` where more: the entries a sample says it steps (matches that lie
    together late in the order, :func:`sample_matches`)."""
    if limit is None or matches <= 0:
        return SORT
    walked = min(contacts, max(limit * contacts / matches, reach))
    if dialect == "postgresql" and documents:
        return WALK if _PG_DOC_STEP_COST * walked < _PG_DOC_SORT_COST * matches else SORT
    if dialect == "postgresql":
        return WALK if _PG_STEP_COST * walked < _PG_ARRAY_COST * matches else SORT
    walk = _SET_COST * matches + _STEP_COST * walked
    return WALK if walk < _sort_cost(contacts, keyed) * matches else SORT


def budget(matches: int, contacts: int, limit: int, keyed: bool = False) -> int:
    """How many index entries a walk for ``limit`` rows of ``matches`` may step before sorting
    the matches would have been cheaper: the walk stops there and the sorted plan reads the
    rest. The estimate assumes the matches are spread evenly through the sort order; where
    they lie together (a first name typed, sorted by name: half the index before the first
    of them) this bound keeps the walk from costing more than the sort it avoided, so a page
    costs at most about twice the cheaper plan, whatever the order holds."""
    steps = (_sort_cost(contacts, keyed) - _SET_COST) * max(matches, 1) / _STEP_COST
    return int(min(max(steps, limit, 64), max(contacts, limit, 64)))


def plan(
    db: Database,
    search: str,
    limit: int | None,
    can_walk: bool,
    keyed: bool = False,
    documents: bool = False,
) -> Strategy:
    """How to read ``limit`` rows of a search: WALK when the sort has an index to walk
    (``can_walk``) and the estimate says it is cheaper, else SORT (``keyed``: sorting reads
    the matches' keys in an index that holds them by id, cheaper than their rows;
    ``documents``: PostgreSQL reads the search documents alone, :mod:`app.search_documents`)."""
    return plan_bounded(db, search, limit, can_walk, keyed, documents)[0]


def plan_bounded(
    db: Database,
    search: str,
    limit: int | None,
    can_walk: bool,
    keyed: bool = False,
    documents: bool = False,
    conn: Connection | None = None,
) -> tuple[Strategy, int | None]:
    """:func:`plan`, and for a walk the entries it may step (:func:`budget`; None: no
    bound). On PostgreSQL a walk has no bound: the planner runs it (:func:`search_condition`,
    :func:`app.search_documents.keys`). ``conn``: where SQLite's estimate is read
    (:func:`estimate`)."""
    dialect = db.engine.dialect.name
    if _forced:
        strategy, steps = _forced[-1]
        return strategy, (steps if dialect == "sqlite" else None)
    if not can_walk or limit is None or dialect not in ("sqlite", "postgresql"):
        return SORT, None
    if dialect == "postgresql":
        if tsquery(search) is None:
            return SORT, None
        matches, size = estimate(db, search)
        return choose(matches, size, limit, dialect=dialect, documents=documents), None
    if fts_query(search) is None:
        return SORT, None
    matches, size = estimate(db, search, conn)
    if choose(matches, size, limit, keyed) == SORT:
        return SORT, None
    steps = budget(matches, size, limit, keyed)
    return WALK, (steps if steps < size else None)

"""The contacts an export writes, streamed from the database in bounded memory.

One read transaction walks the query's contact ids through a cursor (the database's own order,
never a list of every id); each page of ``PAGE`` ids is loaded and handed on before the next is
read. A note longer than ``LONG_TEXT`` characters is not loaded with its row: on SQLite it comes
as a :class:`LongText`, read from the file a piece at a time while it is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, case, func, null, select
from sqlalchemy.orm import Session

from app import contacts
from app.points import ContactPoints, Point, read_points
from db.engine import Database
from db.models import BantAnswer, BantCriterion, Contact, ContactPoint, Stage
from db.times import from_stored

PAGE = 1000  # contacts loaded at a time (and how often cancel is looked at)
# at most this many contacts with lists are read once for an export (a set of ids); more are
# asked a page at a time
FEW_LISTED = 50_000
LONG_TEXT = 1_000_000  # characters: a longer note is streamed, not loaded with its row
PIECE_BYTES = 1 << 20  # a long note is read a megabyte at a time


@dataclass(frozen=True, eq=False)
class LongText:
    """A note too long to hold with the copies writing it makes (hundreds of megabytes): its
    UTF-8 bytes, read from the database a piece at a time (``pieces()``) while it is written.
    Only valid while the export that made it is reading (its read transaction is open)."""

    contact_id: int
    _read: Callable[[], Iterator[bytes]]

    def pieces(self) -> Iterator[bytes]:
        """The text's UTF-8 bytes, at most ``PIECE_BYTES`` at a time."""
        return self._read()

    def __str__(self) -> str:
        return b"".join(self.pieces()).decode("utf-8")


Notes = str | LongText | None


class ExportRecord(NamedTuple):
    """One contact as an export writes it (plain values; a tuple: a million are made)."""

    id: int
    name: str
    first_name: str | None
    last_name: str | None
    email: str | None
    other_emails: tuple[str, ...]
    phone: str | None
    company: str | None
    title: str | None
    website: str | None
    city: str | None
    country: str | None
    industry: str | None
    stage_key: str
    stage_name: str
    stage_changed_at: datetime | None
    source: str | None
    score: int | None
    consent: str
    tags: str | None
    notes: Notes  # a LongText when very long (see LONG_TEXT)
    next_action_at: datetime | None
    created_at: datetime
    # the labelled extra values (JSON {label: value}, as stored): kept by the export too
    extra: str | None
    # every e-mail, phone and postal address, with kinds, the primary one first
    points: ContactPoints


_COLUMNS = (
    Contact.id,
    Contact.name,
    Contact.first_name,
    Contact.last_name,
    Contact.email,
    Contact.other_emails,
    Contact.phone,
    Contact.company,
    Contact.title,
    Contact.website,
    Contact.city,
    Contact.country,
    Contact.industry,
    Stage.key,
    Stage.name,
    Contact.stage_changed_at,
    Contact.source,
    Contact.score,
    Contact.consent,
    Contact.tags,
    Contact.notes,
    Contact.next_action_at,
    Contact.created_at,
    Contact.extra,
)


_NOTES = 20  # where the note is in _COLUMNS and ExportRecord
_TIMES = (15, 21, 22)  # stage_changed_at, next_action_at, created_at
# the texts a CSV export may read as '' when NULL (both are an empty cell): name to industry,
# source, tags and notes
_BLANKABLE = (1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 16, 19, _NOTES)


def _json_list(raw: str | None) -> list[Any]:
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _row_points(
    email: str | None, others: list[Any], phone: str | None, city: str | None, country: str | None
) -> ContactPoints:
    """What :func:`app.points.read_points` makes of a contact with nothing in
    ``contact_points`` (most contacts): the row's e-mails, phone and city/country, without
    a query."""
    emails = [Point(email, primary=True)] if email else []
    for value in others:
        if value:
            other = str(value)
            if not any(_same(p.value, other) for p in emails):
                emails.append(Point(other))
    return ContactPoints(
        emails=emails,
        phones=[Point(phone, primary=True)] if phone else [],
        addresses=(
            [Point(city=city or "", country=country or "", primary=True)] if city or country else []
        ),
    )


class _Reader:
    """The rows of one export, all read in one session (one snapshot of the database).

    On SQLite the rows are read from the driver's cursor as it returns them (tuples; no
    SQLAlchemy row processing): the times are the stored numbers (``stored_times``), turned
    into datetimes only where they are used (:mod:`db.times`). With ``blanks`` the texts
    that are empty cells in a CSV either way come as '' rather than None (``_BLANKABLE``)."""

    def __init__(self, s: Session, blanks: bool = False) -> None:
        self.s = s
        self.conn = s.connection()  # Core rows: no ORM work per row
        self.raw: Any = None  # the sqlite3 connection, when long notes are streamed from it
        self.stored_times = s.get_bind().dialect.name == "sqlite"
        columns: list[Any] = list(_COLUMNS)
        if self.stored_times:
            raw = s.connection().connection.driver_connection
            encoding = raw.execute("PRAGMA encoding").fetchone()[0] if raw else ""
            if str(encoding).upper() == "UTF-8" and hasattr(raw, "blobopen"):
                self.raw = raw
                long = func.length(Contact.notes) > LONG_TEXT
                columns[_NOTES] = case((long, null()), else_=Contact.notes)
                columns.append(long)
        if blanks:
            for i in _BLANKABLE:
                columns[i] = func.coalesce(columns[i], "")
        self.columns = columns
        self._listed: Any = _UNREAD  # see _few_listed

    def lists(self, rows: Sequence[Any]) -> dict[int, ContactPoints]:
        """The lists of the page's contacts that have rows in ``contact_points`` (few)."""
        if not rows:
            return {}
        if self.stored_times:
            if self._listed is _UNREAD:
                self._listed = self._few_listed()
            listed = self._listed
            if listed is not None:  # every contact with lists is known: no query a page
                with_lists = {r[0] for r in rows if r[0] in listed} if listed else set()
                return read_points(self.s, with_lists) if with_lists else {}
        ids = [r[0] for r in rows]
        if self.stored_times:  # the driver's own query: no IN list of a thousand rendered
            marks = ",".join("?" * len(ids))
            cursor = self._driver().execute(
                f"SELECT DISTINCT contact_id FROM {ContactPoint.__tablename__}"
                f" WHERE contact_id IN ({marks})",
                ids,
            )
            with_lists = {row[0] for row in cursor}
        else:
            with_lists = set(self.conn.scalars(_LISTED, {"ids": ids}))
        return read_points(self.s, with_lists) if with_lists else {}

    def _driver(self) -> Any:
        return self.conn.connection.driver_connection

    def _few_listed(self) -> frozenset[int] | None:
        """Every contact that has rows in ``contact_points``, when there are at most
        ``FEW_LISTED`` (read in the export's transaction), else None (asked a page at a
        time)."""
        cursor = self._driver().execute(
            f"SELECT contact_id FROM {ContactPoint.__tablename__} GROUP BY contact_id"
            f" LIMIT {FEW_LISTED + 1}"
        )
        ids = frozenset(row[0] for row in cursor)
        return ids if len(ids) <= FEW_LISTED else None

    def is_long(self, row: Sequence[Any]) -> bool:
        """Is the row's note a long one (left out of the row, streamed)?"""
        return self.raw is not None and bool(row[len(_COLUMNS)])

    def records(
        self, rows: Sequence[Any], lists: dict[int, ContactPoints] | None = None
    ) -> Iterator[ExportRecord]:
        """The page's rows (``self.columns``) as records, their e-mails, phones and addresses
        added (``lists``: read for the few contacts that have lists beyond the row)."""
        if lists is None:
            lists = self.lists(rows)
        width = len(_COLUMNS)
        streamed = self.raw is not None
        stored_times = self.stored_times
        for r in rows:
            values = list(r[:width])
            if stored_times:
                for i in _TIMES:
                    values[i] = from_stored(values[i])
            others = _json_list(values[5])
            values[5] = tuple(str(v) for v in others)
            values[18] = values[18] or "unknown"
            if streamed and r[width]:
                values[_NOTES] = LongText(r[0], self._pieces(r[0]))
            points = lists.get(r[0])
            if points is None:
                points = _row_points(values[4], others, values[6], values[10], values[11])
            values.append(points)  # the last field
            yield ExportRecord._make(values)

    def _pieces(self, contact_id: int) -> Callable[[], Iterator[bytes]]:
        raw = self.raw

        def read() -> Iterator[bytes]:
            with raw.blobopen(Contact.__tablename__, "notes", contact_id, readonly=True) as blob:
                while piece := blob.read(PIECE_BYTES):
                    yield piece

        return read


_UNREAD = object()
_LISTED = (
    select(ContactPoint.contact_id)
    .where(ContactPoint.contact_id.in_(bindparam("ids", expanding=True)))
    .distinct()
)


def iter_pages(
    db: Database,
    query: contacts.ContactQuery,
    *,
    keep: Callable[[list[int]], Sequence[int]] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    blanks: bool = False,
) -> Iterator[tuple[_Reader, Sequence[Any]]]:
    """Every contact the query selects, in its order, read in one transaction through one
    cursor, ``PAGE`` rows at a time: (the reader, a page of rows of ``reader.columns``;
    ``reader.records(rows)`` makes them records). ``keep(page of ids)`` chooses which of each
    page to write. ``progress(done, total)`` after each page, counting the contacts the query
    selects; ``cancelled()`` is asked before each page (the caller says what a stop means).
    ``blanks``: see :class:`_Reader` (for a CSV export only)."""
    count_stmt = select(func.count()).select_from(
        contacts.select_matching([Contact.id], query, db).subquery()
    )
    with db.session() as s:
        total = int(s.scalar(count_stmt) or 0)  # the same snapshot the rows come from
        reader = _Reader(s, blanks)
        stmt = contacts.select_matching(reader.columns, query, db)
        stmt = stmt.order_by(*contacts.order_by(query))
        parts: Iterator[Sequence[Any]]
        if reader.stored_times:  # the driver's own rows (sqlite3 reads them as they are fetched)
            result = reader.conn.execute(stmt)
            cursor = result.cursor
            parts = iter(lambda: cursor.fetchmany(PAGE), [])
        else:
            result = reader.conn.execution_options(yield_per=PAGE).execute(stmt)
            parts = result.partitions(PAGE)
        done = 0
        try:
            for part in parts:
                if cancelled is not None and cancelled():
                    return
                rows: Sequence[Any] = part
                if keep is not None:
                    wanted = set(keep([r[0] for r in part]))
                    rows = [r for r in part if r[0] in wanted]
                yield reader, rows
                done += len(part)
                if progress is not None:
                    progress(done, max(total, done))
        finally:
            result.close()


def iter_records(
    db: Database,
    query: contacts.ContactQuery,
    *,
    keep: Callable[[list[int]], Sequence[int]] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Iterator[ExportRecord]:
    """Every contact the query selects, as records (see :func:`iter_pages`)."""
    for reader, rows in iter_pages(db, query, keep=keep, progress=progress, cancelled=cancelled):
        yield from reader.records(rows)


@dataclass(frozen=True)
class Criterion:
    id: int
    key: str
    name: str
    required: bool


def bant_criteria(db: Database) -> list[Criterion]:
    with db.session() as s:
        rows = s.execute(
            select(
                BantCriterion.id, BantCriterion.key, BantCriterion.name, BantCriterion.required
            ).order_by(BantCriterion.position, BantCriterion.id)
        ).all()
    return [Criterion(int(r[0]), str(r[1]), str(r[2]), bool(r[3])) for r in rows]


def bant_answers(db: Database, ids: Sequence[int]) -> dict[int, dict[int, tuple[str, str | None]]]:
    """contact id -> criterion id -> (answer, note)."""
    out: dict[int, dict[int, tuple[str, str | None]]] = {}
    with db.session() as s:
        rows = s.execute(
            select(
                BantAnswer.contact_id, BantAnswer.criterion_id, BantAnswer.answer, BantAnswer.note
            ).where(BantAnswer.contact_id.in_(list(ids)))
        )
        for cid, crit, answer, note in rows:
            out.setdefault(int(cid), {})[int(crit)] = (str(answer or "unknown"), note)
    return out

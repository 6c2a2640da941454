"""The reference data a contact's edit reads, in one statement per transaction.

Every edit of a contact works out its go-look columns and its score, which read the same small
tables: a handful of settings (the personas' seeding, the domain overrides, the scoring rules,
threshold, automation and SLAs), the personas, the BANT criteria and the stages. Read one by
one that was six statements an edit (the settings three times); on PostgreSQL each a round trip
to the server. :func:`reference_in` reads them all with one ``UNION ALL`` and keeps them for the
rest of the transaction (``Session.info``, as ``app.stages.stages_in`` does).

Nothing is kept across transactions: a change another process or window commits is read by
the next transaction. Within the transaction they are read again after anything in it writes
to one of the four tables — any statement the connection runs (ORM flush, Core, text) that is
not a SELECT and names one — or when the session holds unflushed changes to their rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Engine,
    Integer,
    String,
    event,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy import cast as cast_
from sqlalchemy.orm import Session, SessionTransaction

from app.stages import remember_stages
from db.models import BantCriterion, Persona, Setting, Stage

_KEY = "winnow.reference"
# the connection's count of statements that wrote to the reference tables (conn.info)
_WRITES = "winnow.reference_writes"
_TABLES = re.compile(r"\b(settings|personas|bant_criteria|stages)\b", re.IGNORECASE)
_REFERENCE_ROWS = (Setting, Persona, BantCriterion, Stage)


@dataclass(frozen=True)
class Criterion:
    """A BANT criterion (app.qualification's, read here with the rest)."""

    id: int
    key: str
    name: str
    required: bool
    position: int


@dataclass(frozen=True)
class PersonaRow:
    id: int
    name: str
    criteria: str | None  # JSON, as stored
    position: int


@dataclass(frozen=True)
class Reference:
    """The reference tables as one transaction sees them (rows in display order)."""

    settings: Mapping[str, str]  # the stored JSON of the keys of :data:`SETTING_KEYS` present
    personas: tuple[PersonaRow, ...]
    criteria: tuple[Criterion, ...]
    stages: tuple[tuple[int, str, str, str, int, str], ...]  # id, key, name, colour, position, kind

    def setting(self, key: str) -> str | None:
        """The stored JSON of ``key`` (None: not stored). Only keys that are read here."""
        if key not in SETTING_KEYS:
            raise KeyError(f"{key!r} is not read with the reference data (app.reference)")
        return self.settings.get(key)


# the settings an edit reads: the scoring's (app.scoring.SETTING_KEYS), the domain overrides
# (app.golook.classify) and the personas' seeding (app.golook.persona_store). Named here, not
# imported: the window reads the stages (with these) at its start, before it needs those
# modules (tests/app/test_reference.py checks the names against theirs)
SETTING_KEYS = (
    "scoring.rules",
    "scoring.threshold",
    "scoring.automation",
    "followup.sla_hours",
    "followup.sla_by_kind",
    "golook.domain_overrides",
    "golook.personas_seeded",
)


_COLUMNS = ("kind", "id", "a", "b", "c", "d", "flag", "position")


def _row(*values: Any) -> list[Any]:
    """One branch's columns, labelled alike (a subquery of the union keeps every column)
    and its absent values typed NULLs: PostgreSQL types a UNION's columns two branches at a
    time, and two bare NULLs make a text column."""
    types = (Integer, Integer, String, String, String, String, Integer, Integer)
    out = []
    for name, kind, value in zip(_COLUMNS, types, values, strict=True):
        if value is None:
            value = cast_(null(), kind)
        elif isinstance(value, int):
            value = literal_column(str(value))
        out.append(value.label(name))
    return out


@lru_cache(maxsize=1)
def _statement() -> Any:
    return union_all(
        select(*_row(0, None, Setting.key, Setting.value, None, None, None, None)).where(
            Setting.key.in_(SETTING_KEYS)
        ),
        select(
            *_row(1, Persona.id, Persona.name, Persona.criteria, None, None, None, Persona.position)
        ),
        select(
            *_row(
                2,
                BantCriterion.id,
                BantCriterion.key,
                BantCriterion.name,
                None,
                None,
                cast_(BantCriterion.required, Integer),
                BantCriterion.position,
            )
        ),
        select(
            *_row(3, Stage.id, Stage.key, Stage.name, Stage.color, Stage.kind, None, Stage.position)
        ),
    )


def reference_json() -> Any:
    """SQL (PostgreSQL): the reference rows as one JSON value, for another statement to
    read them with its own (an operation's first: app.operations.core), then
    :func:`remember_reference`."""
    rows = _statement().subquery()
    return select(func.json_agg(func.json_build_array(*rows.c))).select_from(rows).scalar_subquery()


def remember_reference(s: Session, rows: Iterable[Sequence[Any]] | None) -> Reference:
    """The reference rows as the caller read them in the transaction of ``s`` (the rows of
    :func:`reference_json`): what :func:`reference_in` returns from now on."""
    ref = _reference_of(rows or ())
    s.info[_KEY] = (s.connection().info.get(_WRITES, 0), ref)
    remember_stages(s, ref.stages)  # app.stages.stages_in reads them no more
    return ref


def _reference_of(rows: Iterable[Sequence[Any]]) -> Reference:
    settings: dict[str, str] = {}
    personas: list[PersonaRow] = []
    criteria: list[Criterion] = []
    stages: list[tuple[int, str, str, str, int, str]] = []
    for kind, i, a, b, c, d, flag, position in rows:
        if kind == 0:
            settings[str(a)] = str(b)
        elif kind == 1:
            personas.append(PersonaRow(int(i), str(a), b, int(position or 0)))
        elif kind == 2:
            criteria.append(Criterion(int(i), str(a), str(b), bool(flag), int(position or 0)))
        else:
            stages.append((int(i), str(a), str(b), str(c), int(position or 0), str(d)))
    personas.sort(key=lambda p: (p.position, p.id))
    criteria.sort(key=lambda c: (c.position, c.id))
    stages.sort(key=lambda st: (st[4], st[0]))
    return Reference(settings, tuple(personas), tuple(criteria), tuple(stages))


def reference_in(s: Session) -> Reference:
    """The reference data, read once per transaction of ``s`` (see the module's docstring)."""
    writes = s.connection().info.get(_WRITES, 0)
    cached: tuple[int, Reference] | None = s.info.get(_KEY)
    if cached is not None and cached[0] == writes and not _unflushed(s):
        return cached[1]
    # the session's execute, not its connection's: unflushed changes are flushed first (the
    # count of writes is taken after it)
    return remember_reference(s, s.execute(_statement()))


def _unflushed(s: Session) -> bool:
    """Whether the session holds unflushed changes to reference rows (few objects: a session
    of an edit holds a contact or two; an import's rows are written with Core)."""
    return any(
        isinstance(obj, _REFERENCE_ROWS) for group in (s.new, s.dirty, s.deleted) for obj in group
    )


@event.listens_for(Engine, "before_cursor_execute")
def _count_writes(
    conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    if statement.lstrip()[:6].upper() != "SELECT" and _TABLES.search(statement) is not None:
        conn.info[_WRITES] = conn.info.get(_WRITES, 0) + 1


@event.listens_for(Session, "after_transaction_end")
def _forgotten(session: Session, transaction: SessionTransaction) -> None:
    # not at the end of a flush's inner transaction: only the transaction's end, or a
    # savepoint's (rolled back, it takes back what was read after a write inside it)
    if transaction.parent is None or transaction.nested:
        session.info.pop(_KEY, None)

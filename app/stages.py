"""Lifecycle stages: stages are data (key, name, colour, order, kind), not code."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Delete, Insert, Update, event, func, select, update
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from app.errors import UnknownStage, UsageError
from app.values import StageInfo
from db.engine import Database
from db.models import Contact, Stage

KINDS = ("pipeline", "won", "side")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


def _info(s: Stage) -> StageInfo:
    return StageInfo(s.id, s.key, s.name, s.color, s.position, s.kind)


# --- the stages as one transaction sees them -----------------------------------------------

_STAGES_KEY = "winnow.stages"


def stages_in(s: Session) -> tuple[StageInfo, ...]:
    """Every stage in display order, read once per transaction of ``s`` (a move read the
    stages table five times: by key, ids to keys twice, the rescored stages, the target's
    name; on PostgreSQL each a round trip to the server). Read again after anything in the
    session writes to the stages table (an ORM statement on it, a flush of a Stage, a
    statement of text naming it) and when the transaction ends. Read with the rest of the
    reference data (settings, personas, criteria: app.reference), which the same
    transaction reads too when it scores a contact."""
    cached: tuple[StageInfo, ...] | None = s.info.get(_STAGES_KEY)
    if cached is None:
        from app.reference import reference_in  # it imports this module

        remember_stages(s, reference_in(s).stages)
        cached = s.info[_STAGES_KEY]
    return cached


def remember_stages(s: Session, rows: Iterable[Sequence[Any]]) -> None:
    """The stages as the caller read them in the transaction of ``s`` (id, key, name, colour,
    position, kind; in display order): what :func:`stages_in` returns from now on, without
    reading them again (an operation on PostgreSQL reads them with its first statement)."""
    s.info[_STAGES_KEY] = tuple(
        StageInfo(int(i), str(k), str(n), str(c), int(p), str(kind)) for i, k, n, c, p, kind in rows
    )


def stage_in(s: Session, key: str) -> StageInfo:
    """The stage ``key`` (:func:`stages_in`); raises UnknownStage naming the stages."""
    rows = stages_in(s)
    for st in rows:
        if st.key == key:
            return st
    raise UnknownStage(key, [st.key for st in rows])


def _writes_stages(statement: Any) -> bool:
    if isinstance(statement, Insert | Update | Delete):
        name = getattr(statement.table, "name", None)  # an ORM statement's table is annotated
        return name is None or name == Stage.__tablename__
    return re.search(r"\bstages\b", str(statement), re.IGNORECASE) is not None


@event.listens_for(Session, "do_orm_execute")
def _stages_written(state: ORMExecuteState) -> None:
    info = state.session.info
    if _STAGES_KEY in info and not state.is_select and _writes_stages(state.statement):
        info.pop(_STAGES_KEY, None)


@event.listens_for(Session, "before_flush")
def _stages_flushed(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    if _STAGES_KEY in session.info and any(
        isinstance(obj, Stage) for obj in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info.pop(_STAGES_KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _stages_forgotten(session: Session, _transaction: SessionTransaction) -> None:
    session.info.pop(_STAGES_KEY, None)


def list_stages(db: Database) -> list[StageInfo]:
    """All stages in display order.

    On PostgreSQL read with the rest of the reference data (:func:`stages_in`): one round
    trip that also answers the criteria and settings the same transaction reads next (the
    list's first page read the stages, then the reference data holding them again)."""
    with db.session() as s:
        if db.engine.dialect.name == "postgresql":
            return list(stages_in(s))
        return [_info(st) for st in s.scalars(select(Stage).order_by(Stage.position, Stage.id))]


def stage_keys(db: Database) -> list[str]:
    return [st.key for st in list_stages(db)]


def get_stage(db: Database, key: str) -> StageInfo:
    for st in list_stages(db):
        if st.key == key:
            return st
    raise UnknownStage(key, stage_keys(db))


def stage_counts(db: Database) -> dict[str, int]:
    """Contacts per stage key (every stage listed, zero included)."""
    with db.session() as s:
        if s.get_bind().dialect.name == "postgresql":
            return _stage_counts_pg(s)
        rows = s.execute(
            select(Stage.key, func.count(Contact.id))
            .select_from(Stage)
            .outerjoin(Contact, Contact.stage_id == Stage.id)
            .group_by(Stage.id)
            .order_by(Stage.position)
        ).all()
    return {key: int(n) for key, n in rows}


def _stage_counts_pg(s: Session) -> dict[str, int]:
    """:func:`stage_counts` on PostgreSQL: each stage's contacts counted in the index on
    ``(stage_id, sort_name)`` (an index-only scan per stage). The join's plan read every row of
    contacts (a sequential scan, 68.7 ms at 100,000 against 12.7 ms, the most of ``winnow
    stats``' server time). The statement names no contact entity (a subquery): the contacts of
    an import still being written are left out here, as ``db.visibility`` does for the join."""
    from sqlalchemy import or_

    from db.visibility import SEE_UNFINISHED, unfinished_batches

    count = select(func.count()).select_from(Contact).where(Contact.stage_id == Stage.id)
    ids = () if s.info.get(SEE_UNFINISHED) else unfinished_batches(s)
    if ids:
        count = count.where(
            or_(Contact.import_batch_id.is_(None), Contact.import_batch_id.not_in(ids))
        )
    rows = s.execute(select(Stage.key, count.scalar_subquery()).order_by(Stage.position)).all()
    return {key: int(n) for key, n in rows}


def rename_stage(db: Database, key: str, name: str) -> StageInfo:
    name = name.strip()
    if not name:
        raise UsageError("a stage needs a name")
    get_stage(db, key)
    with db.session() as s:
        s.execute(update(Stage).where(Stage.key == key).values(name=name))
    return get_stage(db, key)


def recolor_stage(db: Database, key: str, color: str) -> StageInfo:
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", color):
        raise UsageError(f"not a colour: {color!r} (use #RRGGBB)")
    get_stage(db, key)
    with db.session() as s:
        s.execute(update(Stage).where(Stage.key == key).values(color=color))
    return get_stage(db, key)


def reorder_stages(db: Database, keys: list[str]) -> list[StageInfo]:
    """Put the stages in the given order; stages not named keep their relative order at the end."""
    current = stage_keys(db)
    for key in keys:
        if key not in current:
            raise UnknownStage(key, current)
    order = list(dict.fromkeys(keys)) + [k for k in current if k not in keys]
    with db.session() as s:
        for pos, key in enumerate(order):
            s.execute(update(Stage).where(Stage.key == key).values(position=pos))
    return list_stages(db)


def add_stage(
    db: Database,
    key: str,
    name: str,
    *,
    after: str | None = None,
    color: str = "#6C7A89",
    kind: str = "pipeline",
) -> StageInfo:
    """Add a stage after ``after`` (default: after the last pipeline stage)."""
    if not _KEY_RE.match(key):
        raise UsageError(
            f"invalid stage key {key!r}: use lower-case letters, digits, '-' or '_' "
            "and start with a letter"
        )
    if kind not in KINDS:
        raise UsageError(f"unknown stage kind {kind!r}; valid kinds: {', '.join(KINDS)}")
    if not name.strip():
        raise UsageError("a stage needs a name")
    stages = list_stages(db)
    keys = [st.key for st in stages]
    if key in keys:
        raise UsageError(f"a stage with key {key!r} exists already")
    if after is not None and after not in keys:
        raise UnknownStage(after, keys)
    if after is None:
        pipeline = [st.key for st in stages if st.kind != "side"]
        after = pipeline[-1] if pipeline else (keys[-1] if keys else None)
    insert_at = keys.index(after) + 1 if after else 0
    with db.session() as s:
        s.add(Stage(key=key, name=name.strip(), color=color, position=0, kind=kind))
    reorder_stages(db, [*keys[:insert_at], key, *keys[insert_at:]])
    return get_stage(db, key)


def stage_ids_by_key(db: Database) -> dict[str, int]:
    return {st.key: st.id for st in list_stages(db)}


def stage_keys_by_id(db: Database) -> dict[int, str]:
    return {st.id: st.key for st in list_stages(db)}


def count_all(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Contact)) or 0)

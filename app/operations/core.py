"""Operations: every change to the store, one transaction each, kept in an undo log.

``run_operation(db, kind, body, label=…)`` opens one write transaction (SQLite ``BEGIN
IMMEDIATE``: what the body reads stays true until it commits), runs ``body(ctx)``, and records
an entry in the undo log (``operations``) with what the body changed: the stage changes it
made (tied to the entry by ``operation_id``, undone set-based) and the images of the rows it
said it would change (``ctx.track``). It returns an :class:`OpResult` with the body's value,
typed :class:`Changes` and what Undo and Redo would do next. Undo and redo
(:func:`undo_operation`, :func:`redo_operation`) are operations too; they refuse, with the
reason, to overwrite later work unless forced — and even then leave later work alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    Table,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, aliased, defer

from app import hooks
from app.errors import NotFound, WinnowError
from app.moves import FOLLOW_UP_STAGE
from app.operations import rows as rowimg
from app.operations.changes import MOVED_FROM_MAX, Changes
from app.reference import reference_json, remember_reference
from app.stages import stages_in
from app.timeutil import utcnow
from app.values import LogEntry, UndoState
from app.versions import bump_versions, check_versions
from db.engine import Database, DatabaseLocked
from db.models import BantAnswer, Contact, Operation, OperationRow, StageChange

T = TypeVar("T")

# how many operations the log keeps per database
LOG_SIZE = 200
_CHUNK = 500


class NothingToUndo(WinnowError):
    """The undo log has nothing (more) to undo or redo."""


class UndoConflict(WinnowError):
    """Undoing (or redoing) would overwrite what was done since; ``contacts`` names them."""

    def __init__(self, message: str, contacts: Sequence[int]) -> None:
        super().__init__(message)
        self.contacts = tuple(contacts)


@dataclass(frozen=True)
class OpResult(Generic[T]):
    value: T
    changes: Changes
    operation_id: int | None
    label: str
    undo_state: UndoState = field(default_factory=UndoState)


@dataclass(frozen=True)
class UndoReport:
    """What an undo or redo did."""

    operation_id: int
    label: str
    contacts: tuple[int, ...]  # contacts it put back
    left_alone: tuple[int, ...]  # contacts changed since, kept as they are (forced)
    detail: str = ""


class OpContext:
    """What an operation's body works with: its session, its time, and what it will change."""

    def __init__(self, session: Session, now: datetime, kind: str, label: str) -> None:
        self.session = session
        self.now = now
        self.kind = kind
        self.label = label
        self.changes = Changes()
        self.payload: dict[str, Any] | None = None
        self.undoable = True
        self.contact_count: int | None = None
        self._trackers: list[rowimg.Tracker] = []
        # what every contact row the operation changes gets (a new version, who changed it:
        # app.versions), set by run_in; a body that writes it in its own UPDATE (a move,
        # app.moves.move_in) names those contacts in ``stamped``, so they are written once
        self.stamp: dict[str, Any] = {}
        self.stamped: set[int] = set()
        self.actor: str | None = None
        # the undo log entry's id, taken before the entry is written (:meth:`history_values`)
        self.operation_id: int | None = None

    def history_values(self) -> dict[str, Any]:
        """What each history entry (stage change) the body writes gets: the operation's id and
        who moved it, written by the entry's own INSERT (app.moves.move_in's ``history``).
        Stamped on afterwards instead, PostgreSQL wrote every entry twice and checked its
        foreign keys again (a bulk move of 10,000: 0.4-0.7 s of 2.2-3.8 s). Empty where the
        id cannot be taken in advance: the entries are stamped after the body then."""
        if self.operation_id is None:
            self.operation_id = _reserve_operation_id(self.session)
        if self.operation_id is None:
            return {}
        return {"operation_id": self.operation_id, "changed_by": self.actor}

    def note(self, changes: Changes) -> None:
        self.changes = self.changes | changes

    def track(
        self, table: Any, where: ColumnElement[bool], contact_column: str | None = "contact_id"
    ) -> None:
        """Keep the rows of ``table`` matching ``where`` as they are now, so the operation can
        be undone: call before changing them. ``where`` must not depend on what changes."""
        t: Table = table.__table__ if hasattr(table, "__table__") else table
        self._trackers.append(rowimg.start_tracking(self.session, t, where, contact_column))

    def track_contacts(self, contact_ids: Sequence[int], *, dependents: bool = False) -> None:
        """Track contacts' own rows (and, with ``dependents``, every row that hangs on them)."""
        ids = list(dict.fromkeys(int(i) for i in contact_ids))
        from app.snapshots import dependent_tables

        for i in range(0, len(ids), 20000):
            chunk = ids[i : i + 20000]
            self.track(Contact, Contact.id.in_(_expanding(chunk)), "id")
            if dependents:
                for table, col in dependent_tables():
                    self.track(table, col.in_(_expanding(chunk)), col.name)

    def images(self) -> list[rowimg.RowImage]:
        return [im for t in self._trackers for im in rowimg.differences(self.session, t)]


def _expanding(ids: Sequence[int]) -> Any:
    return bindparam(None, list(ids), type_=Integer(), expanding=True)


def _reserve_operation_id(s: Session) -> int | None:
    """The id the operation's undo log entry will get, taken before it is written (None on a
    database where that cannot be done). PostgreSQL: the next value of the id's sequence (a
    value left unused is a gap, as after any rollback). SQLite: one past the highest id ever
    handed out (AUTOINCREMENT's high-water mark), safe under the write transaction's lock; an
    unused one is not taken."""
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        sql = "SELECT nextval(pg_get_serial_sequence('operations', 'id'))"
    elif dialect == "sqlite":
        sql = (
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'operations'), 0),"
            " coalesce((SELECT max(id) FROM operations), 0)) + 1"
        )
    else:
        return None
    return int(s.execute(text(sql)).scalar_one())


def run_operation(
    db: Database,
    kind: str,
    body: Callable[[OpContext], T],
    *,
    label: str,
    expect: Mapping[int, int] | None = None,
) -> OpResult[T]:
    """Run ``body`` as one operation: one write transaction, one undo log entry.

    ``expect`` ({contact id: version}): refuse (:class:`app.versions.StaleVersion`, naming
    who changed what) when one of these contacts changed since the caller read it."""
    return _write(db, lambda s: run_in(s, kind, body, label=label, expect=expect))


# how many times a write transaction that could not get the write lock is tried
LOCK_ATTEMPTS = 4


def _write(db: Database, fn: Callable[[Session], T]) -> T:
    """``fn(session)`` in one write transaction. Its first step takes the write lock (SQLite
    ``BEGIN IMMEDIATE``), waiting up to the busy timeout. SQLite keeps no queue of writers: one
    that commits and begins again at once can keep another waiting past the timeout (two
    processes moving contacts as fast as they can starved one in a thousand moves). Nothing
    has run when that happens, so the transaction is simply tried again a few times."""
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        began = False
        try:
            with db.write_session() as s:
                s.connection()  # BEGIN IMMEDIATE
                began = True
                return fn(s)
        except DatabaseLocked:
            if began or attempt == LOCK_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def run_in(
    s: Session,
    kind: str,
    body: Callable[[OpContext], T],
    *,
    label: str,
    expect: Mapping[int, int] | None = None,
) -> OpResult[T]:
    """As :func:`run_operation`, inside the caller's write transaction."""
    from app.identity import actor_in

    now = utcnow()
    ctx = OpContext(s, now, kind, label)
    check_versions(s, expect or {})  # under the write lock: nobody changes them before commit
    actor = actor_in(s)
    ctx.stamp = _version_stamp(actor)
    ctx.actor = actor
    first_change = _start(s, ctx)
    value = body(ctx)
    s.flush()
    images = ctx.images()
    moved = s.execute(
        select(
            StageChange.contact_id,
            StageChange.from_stage_id,
            StageChange.to_stage_id,
            StageChange.operation_id,
        ).where(StageChange.id >= first_change)
    ).all()
    changes = ctx.changes
    if moved:
        keys = _stage_keys(s)
        changes = changes | Changes.of(
            contacts=[r[0] for r in moved],
            stages={keys[r[2]] for r in moved} | {keys[r[1]] for r in moved if r[1] is not None},
        )
        # where each moved contact was before the operation (its first move's origin)
        came: dict[int, str] = {}
        for r in moved:
            if r[1] is not None and r[0] not in came:
                came[int(r[0])] = keys[r[1]]
        if 0 < len(came) <= MOVED_FROM_MAX:
            changes = changes | Changes(moved_from=frozenset(came.items()))
    # every contact whose rows the operation changed is named, whatever the body noted (a
    # removed criterion takes answers with it; a renamed one renames score explanations)
    named = {im.contact_id for im in images if im.contact_id is not None}
    named |= _answering(s, [int(im.key[0]) for im in images if im.table == "bant_criteria"])
    named -= changes.created | changes.deleted
    if named - changes.contacts:
        changes = changes | Changes.of(contacts=named)
    _bump(s, actor, images, moved, changes, ctx.stamped)
    op_id: int | None = None
    logged = False  # the entry written, the log pruned and the notice sent (PostgreSQL)
    if ctx.undoable and (images or moved or ctx.payload):
        touched = {r[0] for r in moved} | {im.contact_id for im in images if im.contact_id}
        payload: dict[str, Any] = {**(ctx.payload or {}), "flags": _flags(changes)}
        # who was moved: a contact deleted since takes its history with it, yet undo must
        # know it is missing (and say so) rather than quietly undo fewer moves
        relocated = sorted({int(r[0]) for r in moved if r[1] is not None})
        if relocated:
            payload["moved"] = relocated
        op = Operation(
            id=ctx.operation_id,  # None: the next one (nothing written with it yet)
            kind=kind,
            label=ctx.label,
            at=now,
            contact_count=ctx.contact_count if ctx.contact_count is not None else len(touched),
            state="done",
            payload=json.dumps(payload, separators=(",", ":")),
            created_by=actor,
        )
        changes = changes | Changes(undo_log=True)
        logged = _log_pg(s, op, changes)
        if not logged:
            s.add(op)
            s.flush()
        op_id = op.id
        if any(r[3] is None for r in moved):
            # entries written without the id (:meth:`OpContext.history_values`): an automatic
            # move the body's hooks made, or a body that did not ask for it
            s.execute(
                update(StageChange)
                .where(StageChange.id >= first_change, StageChange.operation_id.is_(None))
                .values(operation_id=op_id, changed_by=actor)
                .execution_options(synchronize_session=False)
            )
        created = [
            im.contact_id
            for im in images
            if im.table == "contacts" and im.before is None and im.contact_id is not None
        ]
        if created:
            # a new contact's first history entry goes and comes back with it (undo, redo)
            sc = StageChange.__table__
            for i in range(0, len(created), 20000):
                images += rowimg.created_rows(
                    s,
                    sc,  # type: ignore[arg-type]
                    (StageChange.id >= first_change)
                    & StageChange.contact_id.in_(_expanding(created[i : i + 20000]))
                    & StageChange.from_stage_id.is_(None),
                    "contact_id",
                )
        if images:
            s.execute(
                insert(OperationRow),
                [
                    {
                        "operation_id": op_id,
                        "table_name": im.table,
                        "row_key": rowimg.dump_key(im.key),
                        "contact_id": im.contact_id,
                        "before": json.dumps(im.before) if im.before is not None else None,
                        "after": json.dumps(im.after) if im.after is not None else None,
                    }
                    for im in images
                ],
            )
        if not logged:
            # a new operation ends what could be redone, and the log keeps its newest entries
            _drop_redo_and_prune(s)
    elif ctx.operation_id is not None and any(r[3] is not None for r in moved):
        # entries written with the id of an entry that is not made (an operation that cannot
        # be undone): no undo log entry stands behind them
        s.execute(
            update(StageChange)
            .where(StageChange.id >= first_change, StageChange.operation_id.is_not(None))
            .values(operation_id=None)
            .execution_options(synchronize_session=False)
        )
    if not logged:
        from app.live import publish

        publish(s, changes, op_id, "done")  # other Winnows hear of it when it commits (app.live)
    # an entry just written is the newest done one, and nothing is left to redo (every undone
    # entry was dropped above): what Undo and Redo do now, without reading the log again
    state = UndoState(_entry(op), None) if op_id is not None else undo_state_in(s)
    return OpResult(value, changes, op_id, ctx.label, state)


# PostgreSQL: what an operation's start reads, in one round trip (not three): one past the
# highest history entry (the body's moves are those from there on), the undo log entry's id
# (taken now: a value left unused is a gap, as after any rollback) and the reference data
# (app.reference: the stages every move reads, the settings, personas and criteria its
# scores read)
@lru_cache(maxsize=1)
def _start_pg() -> Any:
    """The first history entry's id, the undo log entry's id and the reference data (the
    stages, settings, personas and criteria: app.reference) in one statement."""
    return select(
        func.coalesce(select(func.max(StageChange.id)).scalar_subquery(), 0) + 1,
        func.nextval(func.pg_get_serial_sequence("operations", "id")),
        reference_json(),
    )


def _start(s: Session, ctx: OpContext) -> int:
    """The id of the first history entry the operation's body may write; on PostgreSQL the
    undo log entry's id (:attr:`OpContext.operation_id`) and the reference data come with it."""
    if s.get_bind().dialect.name != "postgresql":
        return (s.scalar(select(func.max(StageChange.id))) or 0) + 1
    first, reserved, reference_rows = s.execute(_start_pg()).one()
    ctx.operation_id = int(reserved)
    remember_reference(s, reference_rows)
    return int(first)


# PostgreSQL: the undo log entry written, what could be redone dropped, the log pruned to its
# newest LOG_SIZE entries and the change notice sent (app.live), in one statement: each
# was a round trip of its own. The new entry is not among the rows the statement's other
# parts see, so the log's end is the (LOG_SIZE - 1)th older entry; it is the newest (its id
# was taken under the write lock) and "done", so nothing else it does touches it.
_LOG_PG = text(
    "WITH entry AS (INSERT INTO operations"
    " (id, kind, label, at, contact_count, state, payload, created_by)"
    " VALUES (:id, :kind, :label, :at, :contact_count, :state, :payload, :created_by)),"
    " cut AS (SELECT id FROM operations ORDER BY id DESC OFFSET :keep LIMIT 1),"
    " dropped AS (UPDATE operations SET state = 'dropped' WHERE state = 'undone'"
    " AND id > coalesce((SELECT id FROM cut), 0)),"
    " rows_gone AS (DELETE FROM operation_rows WHERE operation_id <= (SELECT id FROM cut)),"
    " gone AS (DELETE FROM operations WHERE id <= (SELECT id FROM cut))"
    " SELECT pg_notify(:channel, :notice)"
)


def _log_pg(s: Session, op: Operation, changes: Changes) -> bool:
    """On PostgreSQL, with the entry's id taken (:func:`_start`): write ``op`` (not added to
    the session), drop what could be redone, prune the log and announce ``changes`` in one
    statement (:data:`_LOG_PG`). False elsewhere: the caller does it step by step."""
    if op.id is None or s.get_bind().dialect.name != "postgresql":
        return False
    from app.live import CHANNEL, encode

    s.execute(
        _LOG_PG,
        {
            "id": op.id,
            "kind": op.kind,
            "label": op.label,
            "at": op.at,
            "contact_count": op.contact_count,
            "state": op.state,
            "payload": op.payload,
            "created_by": op.created_by,
            "keep": LOG_SIZE - 1,
            "channel": CHANNEL,
            "notice": encode(changes),
        },
    )
    return True


def _bump(
    s: Session,
    actor: str,
    images: Sequence[rowimg.RowImage],
    moved: Sequence[Any],
    changes: Changes,
    stamped: set[int],
) -> None:
    """One more version (and ``changed_by``) for every contact whose rows the operation
    changed or that it moved: no lost update (app.versions). Those the body's own UPDATE
    stamped already (``stamped``: a bulk move's contacts) are not written a second time."""
    new = changes.created | changes.deleted
    changed = {int(im.contact_id) for im in images if im.contact_id is not None}
    changed |= {int(r[0]) for r in moved}
    bump_versions(s, sorted(changed - new - stamped), actor, created=sorted(changes.created))


def _version_stamp(actor: str) -> dict[str, Any]:
    """What a change writes on each contact it changes, as app.versions.bump_versions does:
    one more version, and who."""
    return {"version": Contact.version + 1, "changed_by": actor}


def _flags(changes: Changes) -> list[str]:
    return [
        f.name
        for f in fields(changes)
        if isinstance(getattr(changes, f.name), bool) and getattr(changes, f.name)
    ]


# PostgreSQL: what _drop_redo_and_prune does, in one statement (one round trip, not three). An
# entry both undone and past the log's end is only deleted: a statement that updated and
# deleted the same row would keep either change.
_DROP_REDO_AND_PRUNE_PG = text(
    "WITH cut AS (SELECT id FROM operations ORDER BY id DESC OFFSET :keep LIMIT 1),"
    " dropped AS (UPDATE operations SET state = 'dropped' WHERE state = 'undone'"
    " AND id > coalesce((SELECT id FROM cut), 0)),"
    " rows_gone AS (DELETE FROM operation_rows WHERE operation_id <= (SELECT id FROM cut))"
    " DELETE FROM operations WHERE id <= (SELECT id FROM cut)"
)


def _drop_redo_and_prune(s: Session) -> None:
    """A new operation ends what could be redone (every undone entry is dropped), and the log
    keeps its newest LOG_SIZE entries."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(_DROP_REDO_AND_PRUNE_PG, {"keep": LOG_SIZE})
        return
    s.execute(update(Operation).where(Operation.state == "undone").values(state="dropped"))
    _prune(s)


def _prune(s: Session) -> None:
    cutoff = s.scalar(select(Operation.id).order_by(Operation.id.desc()).offset(LOG_SIZE).limit(1))
    if cutoff is not None:
        s.execute(delete(OperationRow).where(OperationRow.operation_id <= cutoff))
        s.execute(delete(Operation).where(Operation.id <= cutoff))


def _stage_keys(s: Session) -> dict[int, str]:
    return {st.id: st.key for st in stages_in(s)}


def _stage_ids(s: Session, *keys: str) -> set[int]:
    return {st.id for st in stages_in(s) if st.key in keys}


def _entry(op: Operation) -> LogEntry:
    return LogEntry(
        op.id, op.kind, op.label, op.at, op.contact_count, op.state, op.undone_at, op.created_by
    )


def undo_state_in(s: Session) -> UndoState:
    # an entry's payload can be large (a bulk move names every contact it moved): not loaded
    undo = s.scalar(
        select(Operation)
        .options(defer(Operation.payload))
        .where(Operation.state == "done")
        .order_by(Operation.id.desc())
        .limit(1)
    )
    # the most recently undone first; undoing newest-first within one tick of the clock leaves
    # the older operation undone last
    redo = s.scalar(
        select(Operation)
        .options(defer(Operation.payload))
        .where(Operation.state == "undone")
        .order_by(Operation.undone_at.desc(), Operation.id.asc())
        .limit(1)
    )
    return UndoState(_entry(undo) if undo else None, _entry(redo) if redo else None)


def undo_state(db: Database) -> UndoState:
    with db.session() as s:
        return undo_state_in(s)


def history(db: Database, *, include_undone: bool = False) -> list[LogEntry]:
    """The undo log, newest first: what can be undone (and, if asked, what was undone)."""
    states = ("done", "undone", "dropped") if include_undone else ("done",)
    with db.session() as s:
        ops = s.scalars(
            select(Operation)
            .options(defer(Operation.payload))
            .where(Operation.state.in_(states))
            .order_by(Operation.id.desc())
        )
        return [_entry(op) for op in ops]


# --- undo and redo -------------------------------------------------------------------------


def _who(n: int) -> str:
    return "1 contact" if n == 1 else f"{n:,} contacts"


def undo_operation(
    db: Database, operation_id: int | None = None, *, force: bool = False
) -> OpResult[UndoReport]:
    """Undo the newest operation (or the one given). Refuses, naming how many contacts were
    changed since, unless ``force``: then it undoes the rest and leaves those as they are."""
    return _reverse(db, operation_id, force=force, undo=True)


def redo_operation(
    db: Database, operation_id: int | None = None, *, force: bool = False
) -> OpResult[UndoReport]:
    """Redo the most recently undone operation (or the one given)."""
    return _reverse(db, operation_id, force=force, undo=False)


def _reverse(
    db: Database, operation_id: int | None, *, force: bool, undo: bool
) -> OpResult[UndoReport]:
    return _write(db, lambda s: _reverse_in(s, operation_id, force=force, undo=undo))


def _reverse_in(
    s: Session, operation_id: int | None, *, force: bool, undo: bool
) -> OpResult[UndoReport]:
    verb = "undo" if undo else "redo"
    now = utcnow()
    # to the microsecond: Redo takes the most recently undone operation, and two undos
    # usually fall within the same second
    precise = datetime.now(UTC).replace(tzinfo=None)
    if operation_id is None:
        state = undo_state_in(s)
        entry = state.undo if undo else state.redo
        if entry is None:
            raise NothingToUndo(f"nothing to {verb}")
        op = s.get(Operation, entry.id)
    else:
        op = s.get(Operation, operation_id)
        if op is None:
            raise NotFound(
                f"no operation {operation_id} in the undo log (it keeps the last {LOG_SIZE})"
            )
    assert op is not None
    wanted = "done" if undo else "undone"
    if op.state != wanted:
        raise WinnowError(
            f"operation {op.id} ({op.label}) "
            + ("was already undone" if undo else "is not undone")
            + ("" if op.state != "dropped" else "; later work replaced what it did")
        )
    from app.identity import actor_in

    actor = actor_in(s)
    stamped: set[int] = set()
    special = _SPECIAL.get(op.kind)
    if special is not None:
        report, changes = special(s, op, undo, force)
    else:
        report, changes, stamped = _reverse_generic(
            s, op, undo=undo, force=force, now=now, stamp=_version_stamp(actor)
        )
    if special is not None and undo:
        # the import's undo kept what Redo needs (state "undone"), or could not ("dropped":
        # a batch too big to keep is imported again instead)
        s.refresh(op, ["state", "undone_at"])
    else:
        op.state = "undone" if undo else "done"
        op.undone_at = precise if undo else None
    s.flush()
    # undoing is a change too: the contacts it changed get a new version, by whoever undid
    # (a deleted contact it brings back comes back exactly as it was, its version included);
    # the contacts it moved back got theirs in the same UPDATE (``stamped``)
    changed = sorted(changes.contacts - changes.deleted - changes.created - stamped)
    bump_versions(s, changed, actor)
    changes = changes | Changes(undo_log=True)
    from app.live import publish

    publish(s, changes, op.id, op.state)
    return OpResult(report, changes, op.id, op.label, undo_state_in(s))


def _reverse_generic(
    s: Session,
    op: Operation,
    *,
    undo: bool,
    force: bool,
    now: datetime,
    stamp: Mapping[str, Any] | None = None,
) -> tuple[UndoReport, Changes, set[int]]:
    """Undo (or redo) an operation from its row images and its moves; also returns the
    contacts whose rows got ``stamp`` with their move (see :attr:`OpContext.stamp`)."""
    verb = "undo" if undo else "redo"
    images = rowimg.images_of(s, op.id)
    row_conflicts = rowimg.conflicts(s, images, undo=undo)
    blocked: set[int] = {im.contact_id for im in row_conflicts if im.contact_id is not None}
    payload = json.loads(op.payload or "{}")
    plan = _MovePlan.load(s, op.id, undo=undo)
    blocked |= plan.conflicts(s, undo=undo)
    # a moved contact with no move left in the plan was deleted since (its history with it)
    gone = set(payload.get("moved", ())) - set(plan.first)
    blocked |= _missing_contacts(s, sorted(gone)) if gone else set()
    plain_conflicts = [im for im in row_conflicts if im.contact_id is None]
    if (blocked or plain_conflicts) and not force:
        what = (
            f"{_who(len(blocked))} of this operation {'were' if len(blocked) != 1 else 'was'} "
            "moved, changed or deleted since"
            if blocked
            else "what it changed was changed again since"
        )
        raise UndoConflict(
            f"Cannot {verb} the {op.label}: {what}. "
            f"Use --force to {verb} the rest and leave {'those' if blocked else 'it'} as "
            f"{'they are' if blocked else 'it is'}.",
            sorted(blocked),
        )
    skip = {id(im) for im in row_conflicts}
    usable = [
        im
        for im in images
        if id(im) not in skip and (im.contact_id is None or im.contact_id not in blocked)
    ]
    rowimg.apply(s, usable, undo=undo)
    moved, stage_keys = plan.apply(s, undo=undo, blocked=blocked, now=now, stamp=stamp)
    moved_from = plan.origins(s, moved) if len(moved) <= MOVED_FROM_MAX else frozenset()
    created: set[int] = set()
    deleted: set[int] = set()
    changed: set[int] = set()
    flags: dict[str, bool] = {}
    criteria: list[int] = []
    for im in usable:
        target = im.before if undo else im.after
        other = im.after if undo else im.before
        if im.table.name == "contacts":
            cid = int(im.key[0])
            (created if other is None else deleted if target is None else changed).add(cid)
        elif im.contact_id is not None:
            changed.add(im.contact_id)
        elif im.table.name == "bant_criteria":
            criteria.append(int(im.key[0]))
        flag = _TABLE_FLAGS.get(im.table.name)
        if flag:
            flags[flag] = True
    # a score's explanation names the criteria its answers are to (as a renaming rescores)
    changed |= _answering(s, criteria)
    alive = sorted((changed | created) - deleted)
    for i in range(0, len(alive), 5000):
        hooks.contacts_changed(s, alive[i : i + 5000], what="restored")
    # contacts only moved: rescored as the move itself was (app.moves.move_in), when a move
    # into Inquiry (what the follow-up times count) is undone or redone — only those whose
    # follow-up times that changes
    entering = _stage_ids(s, FOLLOW_UP_STAGE)
    only_moved = sorted(
        c for c in set(moved) - changed - created - deleted if plan.enters(c, entering)
    )
    hooks.inquiry_moves_reversed(s, op.id, only_moved, undone=undo)
    for name in payload.get("flags", []):
        flags[name] = True  # what the operation said it changed (e.g. scoring rules)
    changed.update(moved)
    touched = tuple(sorted(changed | created | deleted))
    report = UndoReport(op.id, op.label, touched, tuple(sorted(blocked)))
    changes = Changes.of(
        contacts=changed, created=created, deleted=deleted, stages=stage_keys
    ) | Changes.flags(flags)
    if moved_from:
        changes = changes | Changes(moved_from=moved_from)
    return report, changes, set(moved)


def _answering(s: Session, criteria: Sequence[int]) -> set[int]:
    """The contacts with an answer to one of these criteria."""
    if not criteria:
        return set()
    return set(
        s.scalars(
            select(BantAnswer.contact_id)
            .where(BantAnswer.criterion_id.in_(_expanding(criteria)))
            .distinct()
        )
    )


def _missing_contacts(s: Session, ids: Sequence[int]) -> set[int]:
    """The contacts among ``ids`` that no longer exist (deleted since)."""
    wanted = [int(i) for i in ids]
    found: set[int] = set()
    for i in range(0, len(wanted), 20000):
        chunk = wanted[i : i + 20000]
        found.update(
            s.connection().scalars(select(Contact.id).where(Contact.id.in_(_expanding(chunk))))
        )
    return set(wanted) - found


_TABLE_FLAGS = {
    "stages": "stage_list",
    "bant_criteria": "criteria",
    "personas": "personas",
    "settings": "settings",
    "sources": "sources",
    "import_batches": "imports",
}


def _later_change(sc: Any) -> Any:
    later = aliased(StageChange)
    return exists().where(
        later.contact_id == sc.contact_id, later.id > sc.id, later.undone_at.is_(None)
    )


@dataclass
class _MovePlan:
    """An operation's moves, per contact: its first and last stage change. One operation can
    move a contact twice (a move that makes it sales-ready, then the automatic move to Sales
    qualified): undo puts it where the first one found it, redo where the last one left it."""

    op_id: int
    undo: bool
    first: dict[int, int]  # contact -> id of its first stage change in the operation
    last: dict[int, int]  # contact -> id of its last
    changes: dict[int, list[int]]  # contact -> ids of all its stage changes in the operation
    to_stage: dict[int, int]  # stage change id -> stage it moved to
    from_stage: dict[int, int]  # stage change id -> stage it moved from

    @classmethod
    def load(cls, s: Session, op_id: int, *, undo: bool) -> _MovePlan:
        sc = StageChange
        plan = cls(op_id, undo, {}, {}, {}, {}, {})
        for change_id, cid, src, dst in s.connection().execute(
            select(sc.id, sc.contact_id, sc.from_stage_id, sc.to_stage_id)
            .where(
                sc.operation_id == op_id,
                sc.from_stage_id.is_not(None),
                sc.undone_at.is_(None) if undo else sc.undone_at.is_not(None),
            )
            .order_by(sc.id)
        ):
            if cid not in plan.first:
                plan.first[cid] = change_id
                plan.changes[cid] = []
            plan.last[cid] = change_id
            plan.changes[cid].append(change_id)
            plan.to_stage[change_id] = dst
            plan.from_stage[change_id] = int(src or 0)
        return plan

    @property
    def once(self) -> bool:
        """Each contact moved once in the operation (no first-or-last move to pick)."""
        return len(self.to_stage) == len(self.first)

    def origins(self, s: Session, contacts: Sequence[int]) -> frozenset[tuple[int, str]]:
        """(contact, stage key) where each of these contacts was before the undo (its last
        move's destination) or the redo (its first move's origin)."""
        keys = _stage_keys(s)
        if self.undo:
            return frozenset((c, keys[self.to_stage[self.last[c]]]) for c in contacts)
        return frozenset((c, keys[self.from_stage[self.first[c]]]) for c in contacts)

    def enters(self, contact_id: int, stages: set[int]) -> bool:
        """Whether one of the contact's moves in the operation went to one of ``stages``."""
        return any(self.to_stage[i] in stages for i in self.changes.get(contact_id, ()))

    def _mine(self, sc: Any) -> list[ColumnElement[bool]]:
        """The operation's moves still to undo (or redo), in SQL: no list of ids to send."""
        return [
            sc.operation_id == self.op_id,
            sc.from_stage_id.is_not(None),
            sc.undone_at.is_(None) if self.undo else sc.undone_at.is_not(None),
        ]

    def _edge(self, sc: Any, *, latest: bool) -> list[ColumnElement[bool]]:
        """The contact's last (or first) move in the operation (nothing to ask when every
        contact moved once: one index probe less per contact)."""
        if self.once:
            return []
        other = aliased(StageChange)
        # "+ 0": looked up by contact (a handful of moves each), not by operation (thousands)
        return [
            ~exists().where(
                other.contact_id == sc.contact_id,
                other.operation_id + 0 == self.op_id,
                other.from_stage_id.is_not(None),
                other.id > sc.id if latest else other.id < sc.id,
            )
        ]

    def conflicts(self, s: Session, *, undo: bool) -> set[int]:
        """Contacts moved again since (or, for a redo, no longer where the undo left them)."""
        if not self.first:
            return set()
        sc = StageChange
        current = select(Contact.stage_id).where(Contact.id == sc.contact_id).scalar_subquery()
        # undo: each contact still where the operation's last move took it, and nothing since;
        # redo: still where its first move found it, and nothing since
        expected = sc.to_stage_id if undo else sc.from_stage_id
        return set(
            s.connection().scalars(
                select(sc.contact_id).where(
                    *self._mine(sc),
                    *self._edge(sc, latest=undo),
                    (current.is_distinct_from(expected)) | _later_change(sc),
                )
            )
        )

    def apply(
        self,
        s: Session,
        *,
        undo: bool,
        blocked: set[int],
        now: datetime,
        stamp: Mapping[str, Any] | None = None,
    ) -> tuple[list[int], set[str]]:
        """Undo (or redo) the moves, set-based: contacts go back to the stage and the time in
        stage they had (and get ``stamp``), and the history entries are marked undone (or
        live again). Two statements, whatever the number of contacts (unless some are left
        alone)."""
        contacts = [c for c in self.first if c not in blocked]
        if not contacts:
            return [], set()
        sc = StageChange
        keys = _stage_keys(s)
        stages = {keys[self.to_stage[i]] for c in contacts for i in self.changes[c]}
        stages |= {keys[self.from_stage[i]] for c in contacts for i in self.changes[c]}
        if undo:
            values: dict[Any, Any] = {
                "stage_id": sc.from_stage_id,
                "stage_changed_at": func.coalesce(sc.from_changed_at, Contact.created_at),
            }
        else:
            values = {"stage_id": sc.to_stage_id, "stage_changed_at": sc.at}
        values.update(stamp or {})
        if not blocked:
            s.execute(
                update(Contact)
                .where(
                    Contact.id == sc.contact_id, *self._mine(sc), *self._edge(sc, latest=not undo)
                )
                .values(values)
                .execution_options(synchronize_session=False)
            )
            s.execute(
                update(sc)
                .where(*self._mine(sc))
                .values(undone_at=now if undo else None)
                .execution_options(synchronize_session=False)
            )
            return contacts, stages
        # some left alone (forced): the others by id
        ends = [(self.first if undo else self.last)[c] for c in contacts]
        every = [i for c in contacts for i in self.changes[c]]
        for i in range(0, len(ends), 20000):
            s.execute(
                update(Contact)
                .where(Contact.id == sc.contact_id, sc.id.in_(_expanding(ends[i : i + 20000])))
                .values(values)
                .execution_options(synchronize_session=False)
            )
        for i in range(0, len(every), 20000):
            s.execute(
                update(sc)
                .where(sc.id.in_(_expanding(every[i : i + 20000])))
                .values(undone_at=now if undo else None)
                .execution_options(synchronize_session=False)
            )
        return contacts, stages


# Kinds whose undo is their own (an import is undone from its import record, not images).
Special = Callable[[Session, Operation, bool, bool], tuple[UndoReport, Changes]]


def _undo_import(s: Session, op: Operation, undo: bool, force: bool) -> tuple[UndoReport, Changes]:
    from app.importing.batches import redo_import_in, undo_import_in

    if not undo:
        batch_id, contacts = redo_import_in(s, op, force=force)
        report = UndoReport(
            op.id, op.label, tuple(contacts), (), f"import batch {batch_id} is back"
        )
        return report, Changes.of(created=contacts, contacts=contacts, imports=True)
    batch_id = int(json.loads(op.payload or "{}")["batch_id"])
    result = undo_import_in(s, batch_id, including_later_work=force)
    report = UndoReport(
        op.id,
        op.label,
        tuple(result.removed) + tuple(result.restored),
        tuple(result.kept_with_later_work),
        result.summary,
    )
    changes = Changes.of(deleted=result.removed, contacts=result.restored, imports=True)
    return report, changes


_SPECIAL: dict[str, Special] = {"import": _undo_import}

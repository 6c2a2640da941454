"""Moving contacts between lifecycle stages, with history and undo."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    Table,
    Text,
    bindparam,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased

from app import hooks
from app.errors import UnknownContact, UsageError
from app.stages import StageInfo, stage_in, stages_in
from app.timeutil import iso, utcnow
from db.engine import Database
from db.idlist import id_in
from db.models import Contact, Stage, StageChange


@dataclass(frozen=True)
class MoveResult:
    """What a move changed: the contacts moved, their history rows, where each came from."""

    stage_key: str
    moved: tuple[int, ...]
    unchanged: tuple[int, ...]
    change_ids: tuple[int, ...]
    from_keys: dict[int, str]

    @property
    def stages_touched(self) -> set[str]:
        return {self.stage_key, *self.from_keys.values()}


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    from_key: str | None
    to_key: str
    at: datetime
    reason: str | None
    automatic: bool
    undone_at: datetime | None
    changed_by: str | None = None  # who moved it (app.identity)


_ENTRY_COLUMNS = (
    "contact_id",
    "from_stage_id",
    "to_stage_id",
    "at",
    "from_changed_at",
    "reason",
    "automatic",
)
"""A history entry's columns as a move writes them (the ``INSERT … SELECT`` of both ways of
moving: by the contacts' rows read first, and in one statement with their lock)."""


def move_to_stage(
    db: Database,
    contact_ids: Sequence[int],
    stage_key: str,
    reason: str | None = None,
    at: datetime | None = None,
    automatic: bool = False,
) -> MoveResult:
    """Move contacts to a stage; one stage change is recorded per contact that moves.

    Contacts already in the stage are left alone (and reported as unchanged). Raises
    UnknownStage or UnknownContact before anything is written.
    """
    with db.session() as s:
        return move_in(s, contact_ids, stage_key, reason=reason, at=at, automatic=automatic)


def move_in(
    s: Session,
    contact_ids: Sequence[int],
    stage_key: str,
    reason: str | None = None,
    at: datetime | None = None,
    automatic: bool = False,
    *,
    stamp: Mapping[str, Any] | None = None,
    history: Mapping[str, Any] | None = None,
) -> MoveResult:
    """As :func:`move_to_stage`, inside the caller's session.

    ``stamp``: more values for each moved contact's row, set by the same UPDATE (an operation's
    who-and-version, :class:`app.operations.core.OpContext`); ``history``: more values for
    each new history entry, set by the same INSERT."""
    target = stage_in(s, stage_key)  # raises UnknownStage
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    if at is None and len(ids) <= ONE_STATEMENT_MOVE and s.get_bind().dialect.name == "postgresql":
        return _move_in_one_statement(
            s, ids, target, stage_key, reason, automatic, stamp or {}, history or {}
        )
    # every contact must exist (and be visible) before anything is written; locked where the
    # database locks rows (SQLite: the write transaction's BEGIN IMMEDIATE already holds all)
    found = set(s.scalars(select(Contact.id).where(id_in(Contact.id, ids)).with_for_update()))
    if len(found) != len(ids):
        raise UnknownContact(next(i for i in ids if i not in found))
    when = at or utcnow()
    if at is not None:
        _date_back_first_entries(s, ids, at, target.id)
    change_of: dict[int, int] = {}
    from_of: dict[int, int] = {}
    s.flush()
    # set-based: each history entry comes from the contact's row as it is now (read in this
    # transaction, so its "from" is the stage the contact really left), one INSERT … SELECT …
    # RETURNING and one UPDATE for any number of contacts, the ids sent as one value
    # (db.idlist); those already in the stage stay as they are
    table = cast(Table, StageChange.__table__)
    c = cast(Table, Contact.__table__).c
    extra = dict(history or {})
    entries = (
        insert(table)
        .from_select(
            [*_ENTRY_COLUMNS, *extra],
            select(
                c.id,
                c.stage_id,
                literal(target.id, Integer()),
                literal(when, DateTime()),
                c.stage_changed_at,
                literal(reason, Text()),
                literal(automatic, Boolean()),
                *(literal(v, table.c[k].type) for k, v in extra.items()),
            ).where(id_in(c.id, ids), c.stage_id != target.id),
        )
        .returning(table.c.id, table.c.contact_id, table.c.from_stage_id)
    )
    for change_id, cid, src in s.execute(entries):
        change_of[cid] = change_id
        from_of[cid] = src
    if change_of:
        s.execute(
            update(Contact)
            .where(id_in(Contact.id, ids), Contact.stage_id != target.id)
            .values(stage_id=target.id, stage_changed_at=when, **(stamp or {}))
            .execution_options(synchronize_session=False)
        )
        _expire_loaded(s, change_of, ["stage_id", "stage_changed_at", *(stamp or {})])
    return _moved(s, ids, target, stage_key, when, change_of, from_of)


def _moved(
    s: Session,
    ids: Sequence[int],
    target: StageInfo,
    stage_key: str,
    when: datetime,
    change_of: Mapping[int, int],
    from_of: Mapping[int, int],
) -> MoveResult:
    """What follows a move (the derived data), and its result."""
    keys = {st.id: st.key for st in stages_in(s)}
    moving = [i for i in ids if i in change_of]
    # What derives from the stage (app.scoring): the follow-up times count the moves into
    # Inquiry, and a contact before Inquiry with an inbound signal moves on to it. A score
    # looks at no stage. So only a move into one of those stages is rescored: for a bulk move
    # to any other stage the hook was most of the time, and changed nothing. Into Inquiry,
    # only the contacts whose received time the move changes.
    if moving and target.key == FOLLOW_UP_STAGE:
        hooks.contacts_entered_inquiry(s, moving, when)
    elif moving and target.id in rescored_stages(s):
        hooks.contacts_changed(s, moving, what="stage")
    moved = set(moving)  # once: a bulk move of 20,000 spent 15 s rebuilding it per id
    return MoveResult(
        stage_key=stage_key,
        moved=tuple(moving),
        unchanged=tuple(i for i in ids if i not in moved),
        change_ids=tuple(change_of[i] for i in moving),
        from_keys={i: keys[from_of[i]] for i in moving},
    )


# PostgreSQL: a move of up to this many contacts is one statement (:func:`_move_in_one_statement`):
# a few cards moved by hand, whose time on a server is mostly round trips. A bulk move keeps
# its three statements: as one, a move of 10,000 took 15 % longer (its UPDATE joined to the
# statement's history entries by hashing every contact; two runs side by side, load 17-21)
ONE_STATEMENT_MOVE = 100


def _move_in_one_statement(
    s: Session,
    ids: Sequence[int],
    target: StageInfo,
    stage_key: str,
    reason: str | None,
    automatic: bool,
    stamp: Mapping[str, Any],
    history: Mapping[str, Any],
) -> MoveResult:
    """:func:`move_in` (undated) on PostgreSQL: the contacts locked, their history entries
    written and their rows moved by one statement (data-modifying CTEs), not three: on a
    server each statement is a round trip, and a move of one card was mostly round trips.
    What it does is what the three statements do: the entries come from the rows as they are
    (locked first), contacts already in the stage stay as they are, and a contact that does
    not exist is refused (:class:`UnknownContact`; the operation's transaction, rolled back,
    keeps nothing of the statement)."""
    when = utcnow()
    s.flush()
    table = cast(Table, StageChange.__table__)
    contacts = cast(Table, Contact.__table__)
    c = contacts.c
    found = (
        select(c.id, c.stage_id, c.stage_changed_at)
        .where(id_in(c.id, ids))
        .with_for_update()
        .cte("found")
    )
    extra = dict(history)
    entries = (
        insert(table)
        .from_select(
            [*_ENTRY_COLUMNS, *extra],
            select(
                found.c.id,
                found.c.stage_id,
                literal(target.id, Integer()),
                literal(when, DateTime()),
                found.c.stage_changed_at,
                literal(reason, Text()),
                literal(automatic, Boolean()),
                *(literal(v, table.c[k].type) for k, v in extra.items()),
            ).where(found.c.stage_id != target.id),
        )
        .returning(table.c.id, table.c.contact_id, table.c.from_stage_id)
        .cte("entries")
    )
    rows = (
        update(contacts)
        .where(c.id == entries.c.contact_id)
        .values(stage_id=target.id, stage_changed_at=when, **stamp)
        .returning(c.id)
        .cte("moved")
    )
    statement = (
        select(found.c.id, entries.c.id, entries.c.from_stage_id)
        .select_from(found.outerjoin(entries, entries.c.contact_id == found.c.id))
        .add_cte(rows)
    )
    change_of: dict[int, int] = {}
    from_of: dict[int, int] = {}
    present: set[int] = set()
    for cid, change_id, src in s.execute(statement):
        present.add(int(cid))
        if change_id is not None:
            change_of[int(cid)] = int(change_id)
            from_of[int(cid)] = int(src)
    if len(present) != len(ids):
        raise UnknownContact(next(i for i in ids if i not in present))
    if change_of:
        _expire_loaded(s, change_of, ["stage_id", "stage_changed_at", *stamp])
    return _moved(s, ids, target, stage_key, when, change_of, from_of)


def _date_back_first_entries(s: Session, ids: Sequence[int], at: datetime, target: int) -> None:
    """A move dated before a contact's first history entry (its creation or import, e.g. the
    past inquiry of an imported contact; :func:`check_move_time` allows no earlier move)
    dates that entry, and the time the contact entered its stage, back to the move: the
    history stays in order and no stage is held for a negative time."""
    first = cast(Table, StageChange.__table__)
    s.execute(
        update(first)
        .where(
            id_in(first.c.contact_id, ids),
            first.c.from_stage_id.is_(None),
            first.c.undone_at.is_(None),
            first.c.at > at,
        )
        .values(at=at)
    )
    s.execute(
        update(Contact)
        .where(id_in(Contact.id, ids), Contact.stage_id != target, Contact.stage_changed_at > at)
        .values(stage_changed_at=at)
        .execution_options(synchronize_session=False)
    )


def _expire_loaded(s: Session, ids: Collection[int], attributes: list[str]) -> None:
    """Contacts of the session that an UPDATE just changed read these attributes again
    (SQLAlchemy's own bookkeeping for it fetched every changed id back: 10,000 rows)."""
    for obj in list(s.identity_map.values()):
        if isinstance(obj, Contact) and obj.id in ids:
            s.expire(obj, attributes)


# the stage whose moves the follow-up times count (a contact becomes an inquiry)
FOLLOW_UP_STAGE = "inquiry"


def rescored_stages(s: Session) -> set[int]:
    """The stages a move into which changes derived data: Inquiry, and the pipeline stages
    before it (see :func:`move_in`)."""
    rows = stages_in(s)
    inquiry = next((st.position for st in rows if st.key == FOLLOW_UP_STAGE), None)
    return {
        st.id
        for st in rows
        if st.key == FOLLOW_UP_STAGE
        or (st.kind == "pipeline" and inquiry is not None and st.position < inquiry)
    }


# how far ahead a move or an activity may be dated (clocks differ; plans are tasks, not moves)
MAX_AHEAD = timedelta(days=1)


def check_move_time(s: Session, contact_ids: Sequence[int], at: datetime) -> None:
    """Refuse a move dated more than a day ahead, or before a contact's previous move (history
    order and the time in each stage stay true). Raises UsageError naming the contact.

    An imported contact's first entry ("(new) → Suspect", dated at the import) is not a move:
    a move dated before it — the contact's past inquiry — is allowed, and :func:`move_in`
    dates the first entry back with it. A contact created in Winnow came into being then."""
    now = utcnow()
    if at > now + MAX_AHEAD:
        raise UsageError(
            f"{iso(at)} is more than a day ahead; a move is dated when it happens "
            "(plan it as a task instead)"
        )
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    for chunk in _chunks(ids):
        row = s.execute(
            select(StageChange.contact_id, func.max(StageChange.at))
            .join(Contact, Contact.id == StageChange.contact_id)
            .where(
                StageChange.contact_id.in_(chunk),
                StageChange.undone_at.is_(None),
                StageChange.from_stage_id.is_not(None) | Contact.import_batch_id.is_(None),
            )
            .group_by(StageChange.contact_id)
            .having(func.max(StageChange.at) > at)
            .limit(1)
        ).first()
        if row is not None:
            raise UsageError(
                f"contact {row[0]} was last moved at {iso(row[1])}; a move cannot be dated "
                f"earlier ({iso(at)})"
            )


def move_each_in(
    s: Session,
    entries: Sequence[tuple[int, datetime, str | None]],
    stage_key: str,
    *,
    automatic: bool = True,
) -> list[int]:
    """Move contacts to a stage, each at its own time with its own reason: (contact id, at,
    reason). Two statements per chunk; contacts already in the stage are left alone. Derived
    data is the caller's (the scoring handler makes these moves while it rescores)."""
    target = s.scalar(select(Stage.id).where(Stage.key == stage_key))
    if target is None or not entries:
        return []
    wanted = {int(cid): (at, reason) for cid, at, reason in entries}
    moved: list[int] = []
    for chunk in _chunks(list(wanted)):
        rows = s.execute(
            select(Contact.id, Contact.stage_id, Contact.stage_changed_at).where(
                Contact.id.in_(chunk), Contact.stage_id != target
            )
        ).all()
        if not rows:
            continue
        s.execute(
            insert(cast(Table, StageChange.__table__)),
            [
                {
                    "contact_id": cid,
                    "from_stage_id": stage_id,
                    "to_stage_id": target,
                    "at": wanted[cid][0],
                    "from_changed_at": since,
                    "reason": wanted[cid][1],
                    "automatic": automatic,
                }
                for cid, stage_id, since in rows
            ],
        )
        contacts = cast(Table, Contact.__table__)
        s.execute(
            update(contacts)
            .where(contacts.c.id == bindparam("_id"))
            .values(stage_id=target, stage_changed_at=bindparam("_at")),
            [{"_id": cid, "_at": wanted[cid][0]} for cid, _st, _since in rows],
        )
        moved.extend(cid for cid, _st, _since in rows)
    return moved


# ids per statement: well under SQLite's 32,766 parameters
_CHUNK = 20000


def _param(ids: Sequence[int]) -> Any:
    """The ids as one expanding parameter (not one bound literal each)."""
    return bindparam(None, list(ids), type_=Integer(), expanding=True)


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[i : i + _CHUNK]) for i in range(0, len(ids), _CHUNK)]


def history(db: Database, contact_id: int) -> list[HistoryEntry]:
    """The contact's stage changes, oldest first."""
    src = aliased(Stage)
    dst = aliased(Stage)
    stmt = (
        select(
            StageChange.id,
            src.key,
            dst.key,
            StageChange.at,
            StageChange.reason,
            StageChange.automatic,
            StageChange.undone_at,
            StageChange.changed_by,
        )
        .outerjoin(src, StageChange.from_stage_id == src.id)
        .join(dst, StageChange.to_stage_id == dst.id)
        .where(StageChange.contact_id == contact_id)
        .order_by(StageChange.at, StageChange.id)
    )
    with db.session() as s:
        if s.get(Contact, contact_id) is None:
            raise UnknownContact(contact_id)
        return [
            HistoryEntry(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7])
            for r in s.execute(stmt)
        ]

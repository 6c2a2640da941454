"""Scores, sales-readiness and the follow-up times, kept current on the contact row.

``rescore_contacts(session, ids)`` is called by ``app.hooks.contacts_changed``: it runs
in the writing transaction whenever contacts are created, edited, moved or get activities, for
one contact or a chunk of thousands, with a fixed handful of queries per chunk. It writes
``score``, ``sales_ready``, ``received_at``, ``response_due_at`` and ``first_response_at``. The
score's lines are not stored (300 bytes a contact): :func:`score_items` works them out when
they are shown (``app.scoring_rules.explain_stored``).

Qualified = every required BANT criterion is answered yes (``app.qualification``). Sales-ready
= qualified and score ≥ threshold (setting ``scoring.threshold``, default 60), or the contact
asked for a sales contact (seed 001's exception); a required criterion answered *no* means not
sales-ready whatever the score. A score at the threshold without the answers only proposes
Marketing qualified (the ``marketing-ready`` queue). When a contact *becomes* sales-ready and
the automation setting (``scoring.automation``) is ``move``, it is moved to Sales qualified
automatically (only from a pipeline stage before it), with the rule as the reason; the move can
be undone like any other, and the contact is not moved again while it stays sales-ready.

Inbound makes an inquiry (seeds 001, 003): a contact in a pipeline stage before Inquiry (a
Suspect) that has an inbound signal — an inbound activity, or a received date typed or
imported — is moved to Inquiry, automatically and recorded, within the same transaction (so it
is undone with the change that caused it): when it has never been an inquiry, or when an
inbound activity is dated after it came back to its stage. The move is dated at the signal,
never before the contact's previous move (history order and time in stage stay true).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    Dialect,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    func,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy import (
    cast as cast_,
)
from sqlalchemy.dialects.sqlite import DATETIME as SQLITE_DATETIME
from sqlalchemy.orm import Session

from app import followup, scoring_pass
from app.activities import ACTIVITY_TYPES, INBOUND_TYPES, OUTBOUND_TYPES
from app.errors import UnknownContact, UsageError
from app.moves import MoveResult, move_each_in, move_in, move_to_stage
from app.qualification import is_qualified
from app.reference import reference_in
from app.scoring_rules import (
    RULES_SETTING,
    ScoreItem,
    ScoreTotal,
    ScoringRules,
    explain_stored,
    explain_values,
)
from app.settings import get_setting, set_setting
from app.stages import StageInfo, stages_in
from app.timeutil import utcnow
from db import bulk
from db.engine import Database, sqlite_path
from db.idlist import id_in
from db.lockwait import WaitingWriters
from db.models import Activity, BantAnswer, BantCriterion, Contact, Setting, Stage, StageChange

THRESHOLD_SETTING = "scoring.threshold"
AUTOMATION_SETTING = "scoring.automation"
RECOMPUTED_SETTING = "scoring.recomputed_at"
# the SLA settings of the last full recompute that worked out every contact's follow-up times
# (with FOLLOW_UPS_VERSION): the next one leaves them while those settings stay the same
FOLLOW_UPS_SETTING = "scoring.follow_ups_of"
# raised when the way the follow-up times are worked out changes: every one is worked out again
FOLLOW_UPS_VERSION = 1
DEFAULT_THRESHOLD = 60
AUTOMATION_MODES = {"propose": "Propose (badge and action)", "move": "Move automatically"}
TARGET_STAGE = "sql"
INQUIRY_STAGE = "inquiry"
PROPOSED_STAGE = "mql"  # what a score alone, without the answers, proposes
ASKED_FOR_SALES = "asked-for-sales"
REASON_ASKED = "Asked for sales contact (sales-ready at once)"
# chunks of a full recompute (recompute_all) in a write transaction, unless a writer waits:
# another writer waits for one chunk at most (5,000 contacts, ~30 ms at 100,000). Each commit
# writes the pages of the score indexes its chunks changed again: 10 rather than 4 took a
# 1,000,000-contact recompute from 16.6-17.2 to 15.0-15.6 s CPU (load 15-17); the changed
# pages of 50,000 contacts (~30 MB) stay within the write cache (db.engine)
CHUNKS_PER_TRANSACTION = 10
# contacts per pass of the hook: their ids go as one value (db.idlist), their rows stay
# in memory for the pass (~20 MB for 20,000)
CHUNK = 20000

_rescoring: ContextVar[bool] = ContextVar("winnow_rescoring", default=False)


@dataclass(frozen=True)
class ScoringSettings:
    rules: ScoringRules
    threshold: int
    automation: str  # propose | move
    sla_hours: float
    # hours to answer each kind of inbound activity but "inquiry-received" (sla_hours)
    sla_by_kind: Mapping[str, float] = field(
        default_factory=lambda: dict(followup.DEFAULT_SLA_BY_KIND)
    )

    def sla_for(self, kind: str) -> float:
        return float(self.sla_by_kind.get(kind, self.sla_hours))

    def threshold_reason(self) -> str:
        return f"Score reached the sales-ready threshold ({self.threshold})"


def settings_from(values: dict[str, Any]) -> ScoringSettings:
    """The settings from their stored values ({setting key: decoded JSON}; missing: default)."""
    threshold = values.get(THRESHOLD_SETTING, DEFAULT_THRESHOLD)
    if not isinstance(threshold, int | float) or isinstance(threshold, bool):
        threshold = DEFAULT_THRESHOLD
    mode = values.get(AUTOMATION_SETTING, "propose")
    return ScoringSettings(
        rules=ScoringRules.from_setting(values.get(RULES_SETTING)),
        threshold=int(threshold),
        automation=mode if mode in AUTOMATION_MODES else "propose",
        sla_hours=followup.clean_sla(values.get(followup.SLA_SETTING, followup.DEFAULT_SLA_HOURS)),
        sla_by_kind=followup.clean_sla_by_kind(values.get(followup.SLA_BY_KIND_SETTING)),
    )


# the settings a score reads (with the reference data: app.reference)
SETTING_KEYS = (
    RULES_SETTING,
    THRESHOLD_SETTING,
    AUTOMATION_SETTING,
    followup.SLA_SETTING,
    followup.SLA_BY_KIND_SETTING,
)


def settings_in(s: Session) -> ScoringSettings:
    """The settings in force in the transaction of ``s`` (read with the other reference data,
    once per transaction: app.reference)."""
    stored = reference_in(s).settings
    return _settings_of(tuple(sorted((k, stored[k]) for k in SETTING_KEYS if k in stored)))


@lru_cache(maxsize=8)
def _settings_of(raw: tuple[tuple[str, str], ...]) -> ScoringSettings:
    """The settings of these stored values, made once for the same values (a full recompute
    reads them for each chunk of contacts; its compiled rules go with them)."""
    return settings_from({k: json.loads(v) for k, v in raw})


def scoring_settings(db: Database) -> ScoringSettings:
    """The rules table, threshold, automation mode and SLA in force."""
    with db.session() as s:
        return settings_in(s)


def save_scoring_settings(
    db: Database,
    rules: ScoringRules | None = None,
    threshold: int | None = None,
    automation: str | None = None,
    sla_hours: float | None = None,
    sla_by_kind: Mapping[str, float] | None = None,
) -> bool:
    """Store what is given; True when scores or due times must be recomputed
    (:func:`recompute_all`, in the background)."""
    before = scoring_settings(db)
    if threshold is not None and not 0 <= threshold <= 10000:
        raise UsageError("the sales-ready threshold must be between 0 and 10000")
    if automation is not None and automation not in AUTOMATION_MODES:
        raise UsageError(f"unknown automation {automation!r}; use {', '.join(AUTOMATION_MODES)}")
    if rules is not None:
        set_setting(db, RULES_SETTING, rules.to_setting())
    if threshold is not None:
        set_setting(db, THRESHOLD_SETTING, int(threshold))
    if automation is not None:
        set_setting(db, AUTOMATION_SETTING, automation)
    if sla_hours is not None:
        followup.set_sla_hours(db, sla_hours)
    if sla_by_kind is not None:
        followup.set_sla_by_kind(db, dict(sla_by_kind))
    after = scoring_settings(db)
    return (
        after.rules != before.rules
        or after.threshold != before.threshold
        or after.sla_hours != before.sla_hours
        or dict(after.sla_by_kind) != dict(before.sla_by_kind)
    )


def reset_rules(db: Database) -> None:
    set_setting(db, RULES_SETTING, ScoringRules.defaults().to_setting())


def promotable_stage_ids() -> Select[Any]:
    """Stages a contact may be promoted from: pipeline stages before Sales qualified."""
    return stages_before(TARGET_STAGE)


def stages_before(key: str) -> Select[Any]:
    """Pipeline stages before the stage ``key`` (none when there is no such stage)."""
    target = select(Stage.position).where(Stage.key == key).scalar_subquery()
    return select(Stage.id).where(Stage.kind == "pipeline", Stage.position < target)


def _pipeline_before(rows: Sequence[StageInfo], key: str) -> frozenset[int]:
    """:func:`stages_before` over stages already read."""
    target = next((st.position for st in rows if st.key == key), None)
    if target is None:
        return frozenset()
    return frozenset(st.id for st in rows if st.kind == "pipeline" and st.position < target)


def threshold_value() -> Any:
    """SQL: the sales-ready threshold in force (the stored setting, else the default)."""
    stored = select(Setting.value).where(Setting.key == THRESHOLD_SETTING).scalar_subquery()
    return func.coalesce(cast_(stored, Integer), DEFAULT_THRESHOLD)


def marketing_ready_condition(now: datetime) -> ColumnElement[bool]:
    """A score at the threshold without the answers: proposed for Marketing qualified (never
    for Sales qualified), while still before it."""
    return (
        Contact.sales_ready.is_(False)
        & (Contact.score >= threshold_value())
        & Contact.stage_id.in_(stages_before(PROPOSED_STAGE))
    )


# --- the handler -----------------------------------------------------------------------


def rescore_contacts(session: Session, contact_ids: Sequence[int], what: str = "fields") -> None:
    """Rescore these contacts inside the caller's transaction (from app.hooks).

    ``what="stage"``: they were only moved (or a move was undone or redone). A score, its
    breakdown and sales-readiness look at no stage — only the contact's fields, activities
    and answers, none of which a move changes — so only what does look at the stage is
    worked out again: the follow-up times (they count the moves into Inquiry) and the
    automatic move of a contact before Inquiry with an inbound signal. The rest stays as
    stored, exactly what a full recompute at the same time gives."""
    if _rescoring.get() or not contact_ids:
        return  # our own automatic move calling the hooks again: nothing new to compute
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    ctx = _Context.read(session, settings_in(session), utcnow())
    scores = what != "stage"
    for i in range(0, len(ids), CHUNK):
        _rescore(session, _among(ids[i : i + CHUNK]), ctx, scores=scores)


def entered_inquiry(session: Session, contact_ids: Sequence[int], at: datetime) -> None:
    """These contacts were just moved into Inquiry at ``at`` (a move, or the redo of one):
    the follow-up times of those that change worked out again (app.moves.move_in).

    A live move into Inquiry only adds a candidate for the received time. A contact whose
    stored received time is at or before ``at`` keeps it, and with it its due time and first
    response (the deadlines of its inbound activities did not change): nothing to do. Only
    the others — no received time yet, or a later one (a move dated back) — are rescored
    (``what="stage"``): at 10,000 contacts moved that skips reading every one's activities."""
    if _rescoring.get() or not contact_ids:
        return
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    c = cast(Table, Contact.__table__).c
    sla = settings_in(session).sla_hours
    affected: list[int] = []
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        _first_inquiry(session, chunk, at, sla)
        affected.extend(
            session.connection().scalars(
                select(c.id).where(
                    id_in(c.id, chunk),
                    c.received_at.is_(None) | (c.received_at > at),
                )
            )
        )
    rescore_contacts(session, affected, "stage")


# moves at more different times than this are left to the rescore (a statement per time)
_SET_BASED_TIMES = 8


def _follow_up_plain() -> tuple[Any, Any]:
    """SQL, per contact row: (no inbound activity, its first outbound activity at or after
    ``:since`` — any time when ``:since`` is NULL)."""
    c = cast(Table, Contact.__table__).c
    a = cast(Table, Activity.__table__).c
    # "+ ''" (||): looked up by contact, never by the (type, at) index
    kind = a.type + ""
    no_inbound = ~select(a.id).where(a.contact_id == c.id, kind.in_(INBOUND_TYPES)).exists()
    since = bindparam("since", type_=DateTime())
    first = (
        select(func.min(a.at))
        .where(
            a.contact_id == c.id,
            kind.in_(OUTBOUND_TYPES),
            since.is_(None) | (a.at >= since),
        )
        .scalar_subquery()
    )
    return no_inbound, first


def _live_inquiry_moves(before: datetime | None = None) -> Any:
    """SQL, per contact row: it has a live move into Inquiry (before ``before``)."""
    c = cast(Table, Contact.__table__).c
    sc = cast(Table, StageChange.__table__).c
    inquiry = select(Stage.id).where(Stage.key == INQUIRY_STAGE).scalar_subquery()
    # "+ 0": looked up by contact (a handful of moves each); by the (to_stage_id, at) index
    # SQLite would read every move into Inquiry for each contact
    wanted = [sc.contact_id == c.id, sc.to_stage_id + 0 == inquiry, sc.undone_at.is_(None)]
    if before is not None:
        wanted.append(sc.at < before)
    return select(sc.id).where(*wanted).exists()


def _first_inquiry(session: Session, ids: Sequence[int], at: datetime, sla: float) -> None:
    """Set-based, the commonest case of :func:`entered_inquiry`: a contact with no received
    time, no inbound activity and no earlier move into Inquiry became an inquiry at ``at``
    — received then, due ``sla`` hours later (no inbound deadline comes first), answered by
    its first outbound activity since (app.followup.follow_up_times gives just that)."""
    c = cast(Table, Contact.__table__).c
    no_inbound, first = _follow_up_plain()
    session.execute(
        update(cast(Table, Contact.__table__))
        .where(
            id_in(c.id, ids),
            c.received_at.is_(None),
            no_inbound,
            ~_live_inquiry_moves(before=at),
        )
        .values(
            received_at=at,
            response_due_at=at + timedelta(hours=sla),
            first_response_at=first,
        ),
        {"since": at},
    )


def _no_longer_inquiry(session: Session, ids: Sequence[int], at: datetime) -> None:
    """Set-based, the commonest case of an undone move into Inquiry (at ``at``): a contact
    that got its received time from that move and has no inbound activity nor another live
    move into Inquiry has none any more — nor a due time; its first response is its first
    outbound activity (app.followup.follow_up_times without a received time)."""
    c = cast(Table, Contact.__table__).c
    no_inbound, first = _follow_up_plain()
    session.execute(
        update(cast(Table, Contact.__table__))
        .where(id_in(c.id, ids), c.received_at == at, no_inbound, ~_live_inquiry_moves())
        .values(received_at=None, response_due_at=None, first_response_at=first),
        {"since": None},
    )


def inquiry_moves_reversed(
    session: Session, operation_id: int, contact_ids: Sequence[int], *, undone: bool
) -> None:
    """The moves into Inquiry that operation ``operation_id`` made of these contacts were
    just undone (``undone``) or redone: the follow-up times of those that change worked out
    again (app.operations.core), as :func:`entered_inquiry` does for a move.

    Undone, a move drops out of the received time only where it was the received time
    (stored received = the move's time; an earlier one stays, with its due time and first
    response), and a contact back before Inquiry moves on to it only for an inbound activity
    since it came back to its stage. Redone, it is :func:`entered_inquiry` at the move's time."""
    if _rescoring.get() or not contact_ids:
        return
    ids = list(dict.fromkeys(int(i) for i in contact_ids))
    sc = cast(Table, StageChange.__table__).c
    c = cast(Table, Contact.__table__).c
    a = cast(Table, Activity.__table__).c
    inquiry = select(Stage.id).where(Stage.key == INQUIRY_STAGE).scalar_subquery()
    if undone:
        inbound_since = (
            select(a.id)
            .where(
                a.contact_id == c.id,
                (a.type + "").in_(INBOUND_TYPES),  # by contact, not the (type, at) index
                a.at >= c.stage_changed_at,
            )
            .exists()
        )
        changes = (c.received_at == sc.at) | (
            c.stage_id.in_(stages_before(INQUIRY_STAGE)) & inbound_since
        )
    else:
        changes = c.received_at.is_(None) | (c.received_at > sc.at)
    sla = settings_in(session).sla_hours
    affected: list[int] = []
    for i in range(0, len(ids), CHUNK):
        # the commonest cases set-based, per time of the moves (a bulk move has one)
        at_of: dict[datetime, list[int]] = {}
        for cid, at in session.connection().execute(
            select(sc.contact_id, sc.at).where(
                sc.operation_id == operation_id,
                sc.to_stage_id + 0 == inquiry,
                sc.from_stage_id.is_not(None),
                id_in(sc.contact_id, ids[i : i + CHUNK]),
            )
        ):
            at_of.setdefault(at, []).append(cid)
        if len(at_of) <= _SET_BASED_TIMES:
            for at, group in at_of.items():
                if undone:
                    _no_longer_inquiry(session, group, at)
                else:
                    _first_inquiry(session, group, at, sla)
        affected.extend(
            session.connection().scalars(
                select(sc.contact_id)
                .join(Contact.__table__, c.id == sc.contact_id)
                .where(
                    sc.operation_id == operation_id,
                    sc.to_stage_id + 0 == inquiry,
                    sc.from_stage_id.is_not(None),
                    id_in(sc.contact_id, ids[i : i + CHUNK]),
                    changes,
                )
                .distinct()
            )
        )
    rescore_contacts(session, affected, "stage")


Which = Callable[[Any], ColumnElement[bool]]


def _among(ids: Sequence[int]) -> Which:
    # the ids as one value (db.idlist): no parameter per id to name, render and bind
    return lambda col: id_in(col, ids)


def _between(lo: int, hi: int) -> Which:
    return lambda col: col.between(lo, hi)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class _Context:
    """What a rescore reads once, whatever the number of contacts: the settings, the time,
    the stages and the BANT criteria that decide."""

    settings: ScoringSettings
    now: datetime
    inquiry_id: int | None
    deciding: tuple[int, ...]
    promotable: frozenset[int]
    before_inquiry: frozenset[int]
    scorer: ScoreTotal  # the rules compiled (app.scoring_rules)

    @classmethod
    def read(
        cls,
        s: Session,
        settings: ScoringSettings,
        now: datetime,
        previous: _Context | None = None,
    ) -> _Context:
        """``previous``: the context of the chunk before (a full recompute): its compiled
        rules are used again while the rules are the same."""
        criteria = reference_in(s).criteria  # read once per transaction (app.reference)
        deciding = [c.id for c in criteria if c.required] or [c.id for c in criteria]
        rows = stages_in(s)  # read with the criteria (app.reference, app.stages)
        return cls(
            settings,
            now,
            next((st.id for st in rows if st.key == INQUIRY_STAGE), None),
            tuple(deciding),
            _pipeline_before(rows, TARGET_STAGE),  # as promotable_stage_ids()
            _pipeline_before(rows, INQUIRY_STAGE),  # as stages_before(INQUIRY_STAGE)
            previous.scorer
            if previous is not None
            and (previous.scorer.rules is settings.rules or previous.scorer.rules == settings.rules)
            else ScoreTotal(settings.rules),
        )


@contextmanager
def _no_collections() -> Iterator[None]:
    """No garbage collection while a chunk's rows are read and worked out: they are tens of
    thousands of tuples of plain values, without cycles, that live until the chunk is
    written; the collector walked them (and the rest of the process's objects) again and
    again for nothing (~0.3 s of a 100,000-contact recompute's 3 s). Collections resume
    after, as they were (as app.importing.pipeline does for the rows it unpickles)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _fetch(conn: Connection, stmt: Any) -> list[Any]:
    """Every row of ``stmt`` as the driver returns it (tuples): SQLAlchemy's per-row work
    is a third of reading 10,000 contacts. Only for columns whose driver values are what
    the caller wants — text, numbers, times read raw (:func:`_raw_time`), 0/1 for booleans."""
    result = conn.execute(stmt)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def _history(
    conn: Connection,
    which: Which,
    inquiry_id: int | None,
    to_time: Callable[[Any], datetime],
    *,
    answers: bool,
) -> tuple[
    dict[int, list[tuple[str, datetime]]],
    dict[int, list[tuple[datetime, bool]]],
    dict[int, list[tuple[str, str]]],
    dict[int, dict[int, str]],
]:
    """The contacts' activities (kind, time), their moves into Inquiry ``inquiry_id`` (time,
    undone; none without it) and, with ``answers``, their BANT answers other than unknown
    ((criterion name, answer) in the criteria's order, and {criterion id: answer}): one
    statement, a UNION ALL of the three (a single contact's edit read them in three round
    trips on PostgreSQL)."""
    a = cast(Table, Activity.__table__).c
    sc = cast(Table, StageChange.__table__).c
    ba = cast(Table, BantAnswer.__table__).c
    criteria = cast(Table, BantCriterion.__table__)
    bc = criteria.c
    raw = _raw_time

    def row(
        kind: int, cid: Any, text: Any, at: Any, undone: Any, crit: Any, answer: Any, pos: Any
    ) -> list[Any]:
        # absent values as typed NULLs (PostgreSQL types a UNION's columns two at a time)
        values = (text, at, undone, crit, answer, pos)
        types: tuple[Any, ...] = (String, DateTime, DateTime, Integer, String, Integer)
        filled = [cast_(null(), t) if v is None else v for v, t in zip(values, types, strict=True)]
        filled[1], filled[2] = raw(filled[1]), raw(filled[2])  # times as the driver gives them
        return [literal_column(str(kind)).label("kind"), cid, *filled]

    parts = [
        select(*row(0, a.contact_id, a.type, a.at, None, None, None, None)).where(
            which(a.contact_id)
        )
    ]
    if inquiry_id is not None:
        parts.append(
            select(*row(1, sc.contact_id, None, sc.at, sc.undone_at, None, None, None)).where(
                # "+ 0": without statistics SQLite would pick the (to_stage_id, at) index and
                # read every move into Inquiry; the (contact_id, at) index is the right one
                which(sc.contact_id),
                sc.to_stage_id + 0 == inquiry_id,
            )
        )
    if answers:
        parts.append(
            select(*row(2, ba.contact_id, bc.name, None, None, bc.id, ba.answer, bc.position))
            .join(criteria, bc.id == ba.criterion_id)
            .where(which(ba.contact_id), ba.answer != "unknown")
        )
    acts: dict[int, list[tuple[str, datetime]]] = {}
    moves: dict[int, list[tuple[datetime, bool]]] = {}
    given: dict[int, list[tuple[int, int, str, str]]] = {}
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    for kind, cid, text, at, undone, crit, answer, pos in _fetch(conn, stmt):
        if kind == 0:
            entry = (text, to_time(at))
            if cid in acts:
                acts[cid].append(entry)
            else:
                acts[cid] = [entry]
        elif kind == 1:
            moves.setdefault(cid, []).append((to_time(at), undone is not None))
        else:
            given.setdefault(cid, []).append((pos, crit, text, answer))
    bant: dict[int, list[tuple[str, str]]] = {}
    answered: dict[int, dict[int, str]] = {}
    for cid, rows in given.items():
        rows.sort()  # the criteria's order: position, id
        bant[cid] = [(name, answer) for _pos, _crit, name, answer in rows]
        answered[cid] = {crit: answer for _pos, crit, _name, answer in rows}
    return acts, moves, bant, answered


def _rescore(
    s: Session,
    which: Which,
    ctx: _Context,
    *,
    scores: bool = True,
    follow_ups: bool = True,
) -> tuple[int, list[int]]:
    """Rescore the contacts ``which(Contact.id)`` selects; returns (how many, ids moved).
    ``scores=False``: only the follow-up times and the automatic moves into Inquiry (what a
    move changes, :func:`rescore_contacts`); scores and sales-readiness stay.
    ``follow_ups=False``: only scores and sales-readiness (what a rule, the threshold or the
    time changes); the follow-up times stay, no move into Inquiry — what a full recompute
    does faster by :func:`_rescore_scores` (tests/app/test_scoring_pass.py compares the two).

    Four reads and an executemany or two for any number of contacts. Only the columns a
    score looks at are read, as the driver returns them (tuples; times parsed by
    :func:`_time_reader` — SQLAlchemy's per-value parsing costs seconds at 100,000
    contacts); the score is the rules' compiled total (``ctx.scorer``, not the lines); only
    rows whose values changed are written, and only the columns that changed (an unchanged
    score keeps its indexes untouched).
    """
    with _no_collections():  # the chunk's objects freed (on return) before collections resume
        return _rescore_chunk(s, which, ctx, scores=scores, follow_ups=follow_ups)


def _rescore_chunk(
    s: Session, which: Which, ctx: _Context, *, scores: bool, follow_ups: bool
) -> tuple[int, list[int]]:
    conn = s.connection()
    c = cast(Table, Contact.__table__).c
    raw = _raw_time
    rows = _fetch(
        conn,
        select(  # what a score looks at: not the names its lines give (domain, persona)
            c.id,
            c.email,
            c.domain_class,
            c.title,
            c.persona_fit,
            c.consent,
            c.score,
            c.sales_ready,
            raw(c.received_at),
            raw(c.response_due_at),
            raw(c.first_response_at),
            c.stage_id,
            raw(c.stage_changed_at),
        ).where(which(c.id)),
    )
    if not rows:
        return 0, []
    to_time = _time_reader(conn.dialect)
    acts, moves, bant, answered = _history(
        conn, which, ctx.inquiry_id if follow_ups else None, to_time, answers=scores
    )
    updates, becoming_inquiry, crossing = _work_out(
        ctx,
        rows,
        acts,
        bant,
        answered,
        moves,
        scores=scores,
        follow_ups=follow_ups,
        to_time=to_time,
        store_time=_time_writer(conn.dialect),
    )
    for changed, group in updates.items():
        _write(conn, [_UPDATE_COLUMNS[i] for i in changed], group)
    return len(rows), _automatic_moves(s, ctx, becoming_inquiry, crossing)


def _rescore_scores(s: Session, lo: int, hi: int, ctx: _Context) -> tuple[int, list[int]]:
    """Scores and sales-readiness of the contacts with ids ``lo``…``hi`` alone (a full
    recompute without the follow-up times): what :func:`_rescore` gives with
    ``follow_ups=False``, from three reads of only what a score looks at — the contacts'
    fields, the activities of the types with points, the answers — worked out in one pass
    (app.scoring_pass), and on SQLite one UPDATE per distinct new values
    (:func:`_write_alike`)."""
    with _no_collections():
        conn = s.connection()
        c = cast(Table, Contact.__table__).c
        a = cast(Table, Activity.__table__).c
        ba = cast(Table, BantAnswer.__table__).c
        criteria = cast(Table, BantCriterion.__table__)
        rows = _fetch(
            conn,
            select(
                c.id,
                c.email,
                c.domain_class,
                c.title,
                c.persona_fit,
                c.consent,
                c.score,
                c.sales_ready,
                c.stage_id,
            ).where(c.id.between(lo, hi)),
        )
        if not rows:
            return 0, []
        kinds = scoring_pass.kinds_read(ctx.scorer, ASKED_FOR_SALES)
        activities = _fetch(
            conn,
            # "|| ''": read by contact (the (contact_id, at) index, in the order _rescore
            # reads them), never by the (type, at) index
            select(a.contact_id, a.type, _raw_time(a.at)).where(
                a.contact_id.between(lo, hi), (a.type + "").in_(kinds)
            ),
        )
        answers = _fetch(
            conn,
            select(ba.contact_id, ba.criterion_id, ba.answer)
            .join(criteria, criteria.c.id == ba.criterion_id)
            .where(ba.contact_id.between(lo, hi), ba.answer != "unknown"),
        )
        updates, crossing = scoring_pass.work_out_scores(
            ctx.scorer,
            ctx.now,
            ctx.settings.threshold,
            ctx.deciding,
            ctx.promotable,
            rows,
            activities,
            answers,
            _time_reader(conn.dialect),
            ASKED_FOR_SALES,
        )
        del activities, answers
        for changed, group in updates.items():
            _write_alike(conn, [_UPDATE_COLUMNS[i] for i in changed], group)
        by_reason = {
            REASON_ASKED if asked else ctx.settings.threshold_reason(): ids
            for asked, ids in crossing.items()
        }
        return len(rows), _automatic_moves(s, ctx, [], by_reason)


# what :func:`_work_out` gives: the changed values of each contact, grouped by which columns
# (indexes into _UPDATE_COLUMNS) changed, as rows (value, …, id); the automatic moves into
# Inquiry; the contacts that became sales-ready before Sales qualified, by reason
_Worked = tuple[
    dict[tuple[int, ...], list[tuple[Any, ...]]],
    list[tuple[int, datetime, str | None]],
    dict[str, list[int]],
]


def _work_out(
    ctx: _Context,
    rows: Sequence[Sequence[Any]],
    acts: Mapping[int, Sequence[tuple[str, datetime]]],
    bant: Mapping[int, Sequence[tuple[str, str]]],
    answered: Mapping[int, Mapping[int, str]],
    moves: Mapping[int, Sequence[tuple[datetime, bool]]],
    *,
    scores: bool,
    follow_ups: bool = True,
    to_time: Callable[[Any], datetime],
    store_time: Callable[[datetime | None], Any],
) -> _Worked:
    """The new values of these contacts (``rows`` as :func:`_rescore` reads them, with
    their activities, answers by name and by criterion, and moves into Inquiry), compared
    with the stored ones; no database (app.demo works out new contacts' values with it)."""
    settings = ctx.settings
    now = ctx.now
    deciding = ctx.deciding
    promotable = ctx.promotable
    before_inquiry = ctx.before_inquiry
    updates: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
    crossing: dict[str, list[int]] = {}
    outbound = set(OUTBOUND_TYPES)
    score_of = ctx.scorer.score
    threshold = settings.threshold
    sla = settings.sla_hours
    no_bant: list[tuple[str, str]] = []
    inbound_kinds = set(INBOUND_TYPES)
    sla_of = {kind: settings.sla_for(kind) for kind in INBOUND_TYPES}
    becoming_inquiry: list[tuple[int, datetime, str | None]] = []
    readiness: dict[tuple[str | None, ...], tuple[bool, bool]] = {}  # (said no, qualified)
    for (
        cid,
        email,
        dclass,
        title,
        pfit,
        consent,
        old_score,
        old_ready,
        old_received,
        old_due,
        old_first,
        stage_id,
        raw_since,
    ) in rows:
        mine = acts.get(cid, ())
        asked = False
        if mine and not follow_ups:
            asked = any([kind == ASKED_FOR_SALES for kind, _at in mine])
        elif mine:
            inbound: list[tuple[datetime, float]] = []
            answers: list[datetime] = []
            first_inbound: dict[str, datetime] = {}
            for kind, at in mine:
                if kind in outbound:
                    answers.append(at)
                elif kind in inbound_kinds:
                    inbound.append((at, sla_of[kind]))
                    if kind not in first_inbound or at < first_inbound[kind]:
                        first_inbound[kind] = at
                    if kind == ASKED_FOR_SALES:
                        asked = True
        if not scores:
            score = old_score
            ready = bool(old_ready)
        else:
            score = score_of(email, dclass, title, pfit, consent, mine, bant.get(cid, no_bant), now)
            if (mine_answered := answered.get(cid)) is None:
                ready = asked  # no answers: not qualified, nothing said no
            else:
                given = tuple([mine_answered.get(i) for i in deciding])
                decided = readiness.get(given)
                if decided is None:
                    decided = readiness[given] = (
                        "no" in given,
                        is_qualified([(True, a or "unknown") for a in given]),
                    )
                said_no, qualified = decided
                ready = not said_no and (asked or (qualified and score >= threshold))
        received = None
        if not follow_ups:  # as stored (the moves were not read)
            new_received, new_due, new_first = old_received, old_due, old_first
        elif mine or old_received is not None or cid in moves:
            if not mine:
                inbound, answers, first_inbound = [], [], {}
            received, due, first = followup.follow_up_times(
                (),
                moves.get(cid, ()),
                answers,
                None if old_received is None else to_time(old_received),
                sla,
                inbound,
            )
            new_received = store_time(received)
            new_due = store_time(due)
            new_first = store_time(first)
        else:  # nothing to answer (a new contact, say): no times
            new_received = new_due = new_first = None
        if (
            score != old_score
            or ready != bool(old_ready)
            or new_received != old_received
            or new_due != old_due
            or new_first != old_first
        ):
            new = (score, ready, new_received, new_due, new_first)
            old = (old_score, bool(old_ready), old_received, old_due, old_first)
            changed = tuple(i for i in range(5) if new[i] != old[i])
            row = (*(new[i] for i in changed), cid)
            if changed in updates:
                updates[changed].append(row)
            else:
                updates[changed] = [row]
        if received is not None and stage_id in before_inquiry:
            since = None if raw_since is None else to_time(raw_since)
            move = _inquiry_move(cid, received, since, first_inbound, cid in moves)
            if move is not None:
                becoming_inquiry.append(move)
        if ready and not old_ready and stage_id in promotable:
            reason = REASON_ASKED if asked else settings.threshold_reason()
            crossing.setdefault(reason, []).append(cid)
    return updates, becoming_inquiry, crossing


@dataclass(frozen=True)
class NewScores:
    """The scores, sales-readiness and follow-up times of contacts not written yet, worked
    out as a rescore would (:func:`_work_out`), so that each row is written once, complete
    (app.demo): a SQLite row updated after it is written grows out of its full page, which
    splits, leaving two pages half empty (175 bytes a contact of the demo's million)."""

    ctx: _Context
    criteria: Mapping[int, str]  # criterion id -> name, in the criteria's order

    @classmethod
    def read(cls, s: Session) -> NewScores:
        criteria = {
            int(i): str(name)
            for i, name in s.execute(
                select(BantCriterion.id, BantCriterion.name).order_by(
                    BantCriterion.position, BantCriterion.id
                )
            )
        }
        return cls(_Context.read(s, settings_in(s), utcnow()), criteria)

    def work_out(
        self,
        contacts: Sequence[Mapping[str, Any]],
        activities: Mapping[int, Sequence[tuple[str, datetime]]],
        answers: Mapping[int, Sequence[tuple[int, str]]],
        inquiry_moves: Mapping[int, Sequence[datetime]],
    ) -> tuple[dict[int, dict[str, Any]], list[int]]:
        """For new contacts (dicts of their columns, ``id`` and ``stage_id`` among them),
        their activities ``(type, at)``, answers ``(criterion id, answer)`` and moves into
        Inquiry: the values of ``score``, ``sales_ready``, ``received_at``,
        ``response_due_at`` and ``first_response_at`` of each (only those not empty), and
        the ids of those a rescore would move on (into Inquiry, or Sales qualified with the
        automation ``move``): they are to be written without these values and rescored
        (``rescore_contacts``), which moves them."""
        rows = [
            (
                c["id"],
                c.get("email"),
                c.get("domain_class"),
                c.get("title"),
                c.get("persona_fit"),
                c.get("consent"),
                None,
                False,
                None,
                None,
                None,
                c["stage_id"],
                c.get("stage_changed_at"),
            )
            for c in contacts
        ]
        order = {crit: i for i, crit in enumerate(self.criteria)}
        bant: dict[int, list[tuple[str, str]]] = {}
        answered: dict[int, dict[int, str]] = {}
        for cid, given in answers.items():
            known = sorted((order[crit], crit, a) for crit, a in given if a != "unknown")
            if known:
                bant[cid] = [(self.criteria[crit], a) for _i, crit, a in known]
                answered[cid] = {crit: a for _i, crit, a in known}
        moves = {cid: [(at, False) for at in ats] for cid, ats in inquiry_moves.items() if ats}
        updates, becoming_inquiry, crossing = _work_out(
            self.ctx,
            rows,
            activities,
            bant,
            answered,
            moves,
            scores=True,
            to_time=lambda value: cast(datetime, value),
            store_time=lambda value: value,
        )
        later = {cid for cid, _at, _reason in becoming_inquiry}
        if self.ctx.settings.automation == "move":
            later.update(cid for ids in crossing.values() for cid in ids)
        values: dict[int, dict[str, Any]] = {}
        for changed, group in updates.items():
            for row in group:
                cid = row[-1]
                if cid not in later:
                    values[cid] = {
                        _UPDATE_COLUMNS[i]: v for i, v in zip(changed, row, strict=False)
                    }
        return values, sorted(later)


def _automatic_moves(
    s: Session,
    ctx: _Context,
    becoming_inquiry: list[tuple[int, datetime, str | None]],
    crossing: dict[str, list[int]],
) -> list[int]:
    """The moves into Inquiry and (automation ``move``) into Sales qualified a rescore makes;
    the ids moved."""
    settings = ctx.settings
    moved: list[int] = []
    if becoming_inquiry:
        token = _rescoring.set(True)
        try:
            moved.extend(move_each_in(s, becoming_inquiry, INQUIRY_STAGE))
        finally:
            _rescoring.reset(token)
    if crossing and settings.automation == "move":
        token = _rescoring.set(True)
        try:
            for reason, ids in crossing.items():
                result = move_in(s, ids, TARGET_STAGE, reason=reason, automatic=True)
                moved.extend(result.moved)
        finally:
            _rescoring.reset(token)
    return moved


def _inquiry_move(
    contact_id: int,
    received: datetime,
    since: datetime | None,
    first_inbound: dict[str, datetime],
    was_inquiry: bool,
) -> tuple[int, datetime, str | None] | None:
    """The automatic move into Inquiry a contact before it needs (None: none): when it was
    never an inquiry (even an undone move counts: undo must not be redone here), or when an
    inbound activity is dated after it came (back) to its stage."""
    later = {k: at for k, at in first_inbound.items() if since is None or at >= since}
    if was_inquiry and not later:
        return None
    signals = [(at, k) for k, at in first_inbound.items()] + [(received, "")]
    # the earliest signal at or after that; an activity before a date without a kind
    after = sorted(
        (x for x in signals if since is None or x[0] >= since), key=lambda x: (x[0], not x[1])
    )
    if after:
        at, kind = after[0]
    else:
        at, kind = since or received, min(first_inbound, key=first_inbound.__getitem__, default="")
    label = ACTIVITY_TYPES.get(kind)
    reason = f"Inbound: {label}" if label else "Inbound: inquiry received (date recorded)"
    return contact_id, at, reason


_UPDATE_COLUMNS = (
    "score",
    "sales_ready",
    "received_at",
    "response_due_at",
    "first_response_at",
)


def _raw_time(column: Any) -> Any:
    """Select a time column as the driver returns it (seconds since 1970 on SQLite)."""
    return type_coerce(column, String())


def _time_reader(dialect: Dialect | None = None) -> Callable[[Any], datetime]:
    """A time column's raw value (:func:`_raw_time`, never None) → datetime: on SQLite
    SQLAlchemy's text is parsed at C speed; a dialect whose ``DateTime`` reads its values
    otherwise (times stored as numbers) reads them with its own result processor."""
    if dialect is not None and dialect.name == "sqlite":
        impl = DateTime().dialect_impl(dialect)
        if type(impl) is SQLITE_DATETIME:  # SQLAlchemy's own: ISO text
            return datetime.fromisoformat
        process = impl.result_processor(dialect, None)
        if process is not None:
            return cast(Callable[[Any], datetime], process)

    def read(value: Any) -> datetime:
        return value if isinstance(value, datetime) else datetime.fromisoformat(value)

    return read


def _time_writer(dialect: Dialect) -> Callable[[datetime | None], Any]:
    """datetime → the value the driver stores, exactly as SQLAlchemy would write it."""
    process = DateTime().dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return lambda value: value
    sample = datetime(2026, 3, 14, 9, 5, 7, 123)
    if process(sample) == sample.isoformat(" ", "microseconds"):  # SQLite's stored form
        return lambda value: None if value is None else value.isoformat(" ", "microseconds")

    def write(value: datetime | None) -> Any:
        return None if value is None else process(value)

    return write


def _write(conn: Connection, columns: Sequence[str], updates: list[tuple[Any, ...]]) -> None:
    """``UPDATE contacts SET columns… WHERE id = …`` for every row ``(value, …, id)``: one
    executemany at driver level (SQLAlchemy's per-row parameter processing would double the
    time of a full recompute)."""
    if bulk.is_postgresql(conn):  # one UPDATE over arrays (executemany: a statement a row)
        bulk.update_by_id(conn, cast(Table, Contact.__table__), columns, updates)
        return
    style = conn.dialect.paramstyle
    if style in ("qmark", "format", "pyformat"):
        mark = "?" if style == "qmark" else "%s"
        sets = ", ".join(f"{col} = {mark}" for col in columns)
        conn.exec_driver_sql(f"UPDATE contacts SET {sets} WHERE id = {mark}", updates)
        return
    table = cast(Table, Contact.__table__)
    conn.execute(
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values({col: bindparam(f"_{col}") for col in columns}),
        [dict(zip([f"_{col}" for col in columns] + ["_id"], row, strict=True)) for row in updates],
    )


def _write_alike(conn: Connection, columns: Sequence[str], updates: list[tuple[Any, ...]]) -> None:
    """:func:`_write` for rows whose values repeat (scores: a hundred or so distinct ones
    among thousands of contacts): on SQLite one ``UPDATE … WHERE id IN (ids)`` per distinct
    values, the ids as one JSON array read by ``json_each`` (as db.idlist sends them) — a
    quarter less CPU than a statement a row (100,000 demo contacts, 66,000 changed scores:
    0.37–0.43 s against 0.49–0.63 s), the row's binding and stepping saved."""
    if conn.dialect.name != "sqlite" or conn.dialect.paramstyle != "qmark":
        _write(conn, columns, updates)  # PostgreSQL: one statement over arrays already
        return
    alike: dict[tuple[Any, ...], list[int]] = {}
    for row in updates:
        values = row[:-1]
        if values in alike:
            alike[values].append(row[-1])
        else:
            alike[values] = [row[-1]]
    sets = ", ".join(f"{col} = ?" for col in columns)
    statement = f"UPDATE contacts SET {sets} WHERE id IN (SELECT value FROM json_each(?))"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for values, ids in alike.items():
            cursor.execute(statement, (*values, json.dumps(ids)))
    finally:
        cursor.close()


# --- full recompute --------------------------------------------------------------------


@dataclass(frozen=True)
class RecomputeResult:
    contacts: int
    moved: tuple[int, ...]
    cancelled: bool = False


def recompute_all(
    db: Database,
    progress: Callable[..., None] | None = None,
    cancel: Any = None,
    chunk: int = 5000,
    follow_ups: bool | None = None,
) -> RecomputeResult:
    """Rescore every contact (after a rule, threshold or SLA change), in chunks of ids, each in
    its own transaction. ``progress(done, total)``; a truthy ``cancel`` stops between chunks
    (what is done stays done: every chunk is complete and consistent).

    The follow-up times (received, due, first response) and the automatic moves into Inquiry
    that follow from them depend on the SLA settings, the activities and the moves into
    Inquiry alone — not on the rules, the threshold or the time — and the handler keeps them
    current as those change. So ``follow_ups=None`` works them out again only when the SLA
    settings (or :data:`FOLLOW_UPS_VERSION`) differ from those of the last complete pass
    that did (:data:`FOLLOW_UPS_SETTING`; a cancelled pass leaves it): a rule change and the
    daily pass for fading rescore only. ``True`` always works them out too (``winnow
    rescore``: a repair), ``False`` never."""
    with db.session() as s:
        lo_id, hi_id, total = s.execute(
            select(func.min(Contact.id), func.max(Contact.id), func.count(Contact.id))
        ).one()
        wanted = _follow_ups_of(settings_in(s))
        if follow_ups is None:
            last = s.scalar(select(Setting.value).where(Setting.key == FOLLOW_UPS_SETTING))
            follow_ups = last is None or json.loads(last) != wanted
    moved: list[int] = []
    done = 0
    ctx: _Context | None = None
    # a transaction spans a few chunks while no other writer waits for the lock (db.lockwait;
    # never on PostgreSQL): each commit writes every page its chunks changed to the log, and
    # the indexes on the score are changed on the same pages chunk after chunk
    waiting = WaitingWriters(sqlite_path(db.url) if db.is_sqlite else None)
    try:
        start = int(lo_id) if total else 1
        while total and start <= int(hi_id):
            if cancel:
                _announce_rescore(db, done)
                return RecomputeResult(done, tuple(moved), cancelled=True)
            with db.session() as s:
                waiting.mark()
                for _i in range(CHUNKS_PER_TRANSACTION):
                    end = start + chunk - 1
                    ctx = _Context.read(s, settings_in(s), utcnow(), ctx)
                    if follow_ups:
                        n, m = _rescore(s, _between(start, end), ctx)
                    else:
                        n, m = _rescore_scores(s, start, end, ctx)
                    done += n
                    moved.extend(m)
                    start = end + 1
                    if start > int(hi_id) or cancel or waiting.asked():
                        break
            if progress is not None:
                progress(done, int(total))
    finally:
        waiting.close()
    set_setting(db, RECOMPUTED_SETTING, utcnow().isoformat())
    if follow_ups:  # with the settings read before the first chunk (changed since: not these)
        set_setting(db, FOLLOW_UPS_SETTING, wanted)
    _announce_rescore(db, done)
    return RecomputeResult(done, tuple(moved))


def _follow_ups_of(settings: ScoringSettings) -> dict[str, Any]:
    """What the follow-up times depend on among the settings (:data:`FOLLOW_UPS_SETTING`)."""
    return {
        "version": FOLLOW_UPS_VERSION,
        "sla_hours": settings.sla_hours,
        "sla_by_kind": dict(sorted(settings.sla_by_kind.items())),
    }


def _announce_rescore(db: Database, done: int) -> None:
    """Other Winnows on the database read the new scores (a recompute is not an operation:
    no undo-log entry carries its change notice)."""
    if done:
        from app.live import announce_write
        from app.operations.changes import Changes

        announce_write(db, Changes(all_contacts=True))


def recompute_needed(db: Database, max_age_hours: float = 24.0) -> bool:
    """True when the last full recompute is more than a day old (activity points fade with
    time, while the handler only rescores contacts that change). A database that never had
    one starts its clock now: the handler has kept every score current since it was made."""
    raw = get_setting(db, RECOMPUTED_SETTING)
    if not raw:
        set_setting(db, RECOMPUTED_SETTING, utcnow().isoformat())
        return False
    try:
        last = datetime.fromisoformat(str(raw))
    except ValueError:
        return True
    return (utcnow() - last).total_seconds() > max_age_hours * 3600


# --- reading and acting ----------------------------------------------------------------


@dataclass(frozen=True)
class ScoreExplanation:
    contact_id: int
    score: int
    items: tuple[ScoreItem, ...]
    sales_ready: bool
    threshold: int
    automation: str
    stage_key: str
    promotable: bool  # sales-ready and still before Sales qualified


def score_explanation(db: Database, contact_id: int) -> ScoreExplanation:
    """The stored score with its lines (what the detail panel shows)."""
    c = cast(Table, Contact.__table__).c
    with db.session() as s:
        row = s.execute(
            select(
                c.score,
                c.sales_ready,
                Stage.key,
                c.stage_id.in_(promotable_stage_ids()),
                *_EXPLAINED,
            )
            .join(Stage, Stage.id == c.stage_id)
            .where(c.id == contact_id)
        ).first()
        if row is None:
            raise UnknownContact(contact_id)
        settings = settings_in(s)
        items = score_items(s, contact_id, row[4:], row[0], settings.rules)
    return ScoreExplanation(
        contact_id,
        int(row[0] or 0),
        tuple(items),
        bool(row[1]),
        settings.threshold,
        settings.automation,
        row[2],
        bool(row[1]) and bool(row[3]),
    )


# the contact's columns a score's lines name, in :func:`explain_values`' order
_EXPLAINED = tuple(
    cast(Table, Contact.__table__).c[name]
    for name in (
        "email",
        "domain",
        "domain_class",
        "title",
        "persona_name",
        "persona_fit",
        "consent",
    )
)
EXPLAINED_COLUMNS = tuple(col.name for col in _EXPLAINED)


def score_items(
    s: Session,
    contact_id: int,
    values: Sequence[Any],
    score: int | None,
    rules: ScoringRules,
    *,
    activities: Sequence[tuple[str, datetime]] | None = None,
    bant: Sequence[tuple[str, str]] | None = None,
    now: datetime | None = None,
) -> list[ScoreItem]:
    """The lines of a contact's stored ``score`` (:func:`~app.scoring_rules.explain_stored`):
    ``values`` are its :data:`EXPLAINED_COLUMNS`; its activities ``(type, at)`` and BANT
    answers ``(criterion name, answer)`` in the criteria's order are read unless given (as
    :func:`_rescore` reads them)."""
    if score is None:
        return []
    a = cast(Table, Activity.__table__).c
    ba = cast(Table, BantAnswer.__table__).c
    bc = cast(Table, BantCriterion.__table__).c
    conn = s.connection()
    if activities is None:
        activities = [
            (str(kind), at)
            for kind, at in conn.execute(select(a.type, a.at).where(a.contact_id == contact_id))
        ]
    if bant is None:
        bant = [
            (str(name), str(answer))
            for name, answer in conn.execute(
                select(bc.name, ba.answer)
                .join(BantCriterion.__table__, bc.id == ba.criterion_id)
                .where(ba.contact_id == contact_id, ba.answer != "unknown")
                .order_by(bc.position, bc.id)
            )
        ]
    email, domain, dclass, title, pname, pfit, consent = values
    acts = list(activities)

    def explain_at(t: datetime) -> list[ScoreItem]:
        return explain_values(
            email,
            domain,
            dclass,
            title,
            pname,
            pfit,
            consent or "unknown",
            acts,
            bant,
            ACTIVITY_TYPES,
            rules,
            t,
        )

    return explain_stored(score, explain_at, acts, rules, now or utcnow())


def promote_to_sales_qualified(db: Database, contact_ids: Sequence[int]) -> MoveResult | None:
    """The "Promote to Sales qualified" action: move the sales-ready contacts among these that
    are still before Sales qualified (never pulls a customer back); None when there are none."""
    with db.session() as s:
        ids = list(
            s.scalars(
                select(Contact.id).where(
                    Contact.id.in_(list(contact_ids)),
                    Contact.sales_ready.is_(True),
                    Contact.stage_id.in_(promotable_stage_ids()),
                )
            )
        )
        threshold = settings_in(s).threshold
    if not ids:
        return None
    return move_to_stage(
        db,
        ids,
        TARGET_STAGE,
        reason=f"Promoted: sales-ready (score ≥ {threshold} or asked for sales)",
    )

"""The demo's qualification answers and deal values, so that a new user's dashboard and board
show qualified leads, a qualification rate, an open pipeline and won value at once.

Worked out from when a contact first reached each stage (:func:`contact_plan`): by
``app.demo.generate_demo`` for each new contact before it is written, by
:func:`add_demo_pipeline` for demo contacts already written:
- a contact that reached Sales qualified (or later) answered the BANT criteria when it got
  there: most every one yes (a qualified lead, seed 003), some Timeframe no or unknown (moved
  on by hand, which the gates would now ask about);
- about a third of the Marketing qualified answered some criteria (work in progress), and of
  those still there about a third every one yes (sales-ready: the queue to hand over);
- a contact that reached Opportunity has a deal amount, and, while still open, an expected
  close date a few weeks after it became an opportunity.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, String, Table, bindparam, insert, select, type_coerce, update

from app import hooks
from db import bulk, times
from db.engine import Database
from db.models import BantAnswer, BantCriterion, Contact, Stage, StageChange

AMOUNTS = ((4_000, 15_000), (15_000, 60_000), (60_000, 180_000))


# contacts whose history is read at a time
CHUNK = 20000


def add_demo_pipeline(
    db: Database, contact_ids: Sequence[int], seed: int = 7, *, rescore: bool = True
) -> int:
    """Answers and deal values for these (demo) contacts where they have none; returns how
    many contacts got something. Reads and writes a chunk of contacts at a time (by id), so a
    million contacts need no more memory than twenty thousand. ``rescore=False``: the caller
    scores these contacts afterwards (the demo scores each new contact once)."""
    wanted = sorted(set(contact_ids))
    rng = random.Random(seed)
    touched: list[int] = []
    with db.session() as s:
        conn = s.connection()
        keys = {int(i): str(k) for i, k in conn.execute(select(Stage.id, Stage.key))}
        criteria = [
            (int(i), str(k))
            for i, k in conn.execute(
                select(BantCriterion.id, BantCriterion.key).order_by(BantCriterion.position)
            )
        ]
        for i in range(0, len(wanted), CHUNK):
            chunk = wanted[i : i + CHUNK]
            touched.extend(_chunk(conn, chunk, rng, keys, criteria))
        if rescore:
            hooks.contacts_changed(s, touched, "answers")
    return len(touched)


def _chunk(
    conn: Connection,
    wanted: list[int],
    rng: random.Random,
    keys: dict[int, str],
    criteria: list[tuple[int, str]],
) -> list[int]:
    lo, hi = wanted[0], wanted[-1]
    ids = set(wanted)
    answered = set(
        conn.scalars(
            select(BantAnswer.contact_id).where(BantAnswer.contact_id.between(lo, hi)).distinct()
        )
    )
    # per contact: when it first reached each stage (moves not undone), the time as the
    # driver returns it (text on SQLite), read only where it is used
    reached: dict[int, dict[str, Any]] = {}
    for cid, stage_id, at in conn.execute(
        select(
            StageChange.contact_id, StageChange.to_stage_id, type_coerce(StageChange.at, String())
        )
        .where(StageChange.contact_id.between(lo, hi), StageChange.undone_at.is_(None))
        .order_by(StageChange.contact_id, StageChange.at, StageChange.id)
    ):
        if cid in ids:
            reached.setdefault(int(cid), {}).setdefault(keys.get(stage_id, ""), at)
    current = {
        int(i): int(st)
        for i, st in conn.execute(
            select(Contact.id, Contact.stage_id).where(Contact.id.between(lo, hi))
        )
    }
    with_deal = set(
        conn.scalars(
            select(Contact.id).where(Contact.id.between(lo, hi), Contact.deal_amount.is_not(None))
        )
    )
    answers: list[dict[str, object]] = []
    deals: list[tuple[float, datetime | None, int]] = []
    touched: list[int] = []
    for cid in sorted(reached):
        given, deal = contact_plan(
            rng,
            criteria,
            reached[cid],
            keys.get(current.get(cid, -1)),
            answered=cid in answered,
            has_deal=cid in with_deal,
        )
        answers.extend(_answer(cid, crit_id, answer, at) for crit_id, answer, at in given)
        if deal is not None:
            deals.append((*deal, cid))
        if given or deal is not None:
            touched.append(cid)
    if answers and bulk.is_postgresql(conn):  # one COPY (executemany: a statement a row)
        bulk.copy_rows(conn, cast(Table, BantAnswer.__table__), answers)
    elif answers:
        conn.execute(insert(BantAnswer), answers)
    _set_deals(conn, deals)
    return touched


def contact_plan(
    rng: random.Random,
    criteria: Sequence[tuple[int, str]],
    stages: Mapping[str, Any],
    current: str | None,
    *,
    answered: bool = False,
    has_deal: bool = False,
) -> tuple[list[tuple[int, str, datetime]], tuple[float, datetime | None] | None]:
    """One demo contact's answers ``(criterion id, answer, at)`` and deal ``(amount, expected
    close)`` (None: none), from when it first reached each stage (``stages``: key -> time,
    a datetime or its text) and the stage it is in. Contacts planned in the order of their
    ids with one ``rng`` get the same answers and deals however they are read: ``app.demo``
    plans each new contact before writing it (its score reads the answers)."""
    given: list[tuple[int, str, datetime]] = []
    if not answered and criteria:
        got = [stages[k] for k in ("sql", "opportunity", "customer") if k in stages]
        if got:
            qualified_at = _when(got[0])
            missing = rng.random() < 0.15
            for crit_id, key in criteria:
                answer = "yes"
                if missing and key == "timeframe":
                    answer = rng.choice(["no", "unknown"])
                given.append((crit_id, answer, qualified_at))
        elif "mql" in stages and rng.random() < 0.35:
            # some still in Marketing qualified answered every criterion yes: the
            # Sales-ready queue (to hand over) is not empty in the demo
            ready = current == "mql" and rng.random() < 0.3
            count = len(criteria) if ready else rng.randint(1, len(criteria) - 1 or 1)
            at = _when(stages["mql"])
            given.extend((crit_id, "yes", at) for crit_id, _key in criteria[:count])
    deal = None
    opened = stages.get("opportunity")
    if opened is not None and not has_deal:
        opened = _when(opened)
        low, high = rng.choice(AMOUNTS)
        amount = round(rng.uniform(low, high) / 500) * 500
        close = opened + timedelta(days=rng.randint(20, 90)) if current == "opportunity" else None
        deal = (float(amount), close)
    return given, deal


def _when(value: Any) -> datetime:
    return cast(datetime, times.from_stored(value))


def _answer(cid: int, crit_id: int, answer: str, at: datetime) -> dict[str, object]:
    return {
        "contact_id": cid,
        "criterion_id": crit_id,
        "answer": answer,
        "note": None,
        "updated_at": at,
    }


def _set_deals(conn: Connection, deals: list[tuple[float, datetime | None, int]]) -> None:
    """(amount, expected close, contact id) for each contact: one statement."""
    if not deals:
        return
    if bulk.is_postgresql(conn):
        bulk.update_by_id(
            conn, cast(Table, Contact.__table__), ["deal_amount", "expected_close_at"], deals
        )
        return
    conn.execute(
        update(Contact)
        .where(Contact.id == bindparam("cid"))
        .values(deal_amount=bindparam("amount"), expected_close_at=bindparam("close")),
        [{"amount": a, "close": c, "cid": i} for a, c, i in deals],
    )

"""The demo's qualification answers and deal values, so that a new user's dashboard and board
show qualified leads, a qualification rate, an open pipeline and won value at once.

Run after the demo contacts and their stage history exist (``app.demo.generate_demo``):
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
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, select, update

from app import hooks
from db.engine import Database
from db.models import BantAnswer, BantCriterion, Contact, Stage, StageChange

AMOUNTS = ((4_000, 15_000), (15_000, 60_000), (60_000, 180_000))


def add_demo_pipeline(db: Database, contact_ids: Sequence[int], seed: int = 7) -> int:
    """Answers and deal values for these (demo) contacts where they have none; returns how
    many contacts got something."""
    wanted = set(contact_ids)
    rng = random.Random(seed)
    with db.session() as s:
        conn = s.connection()
        keys = dict(conn.execute(select(Stage.id, Stage.key)).all())
        criteria = [
            (int(i), str(k))
            for i, k in conn.execute(
                select(BantCriterion.id, BantCriterion.key).order_by(BantCriterion.position)
            )
        ]
        answered = set(conn.scalars(select(BantAnswer.contact_id).distinct()))
        # per contact: when it first reached each stage (moves not undone)
        reached: dict[int, dict[str, datetime]] = {}
        for cid, stage_id, at in conn.execute(
            select(StageChange.contact_id, StageChange.to_stage_id, StageChange.at)
            .where(StageChange.undone_at.is_(None))
            .order_by(StageChange.at, StageChange.id)
        ):
            reached.setdefault(int(cid), {}).setdefault(keys.get(stage_id, ""), at)
        current = dict(conn.execute(select(Contact.id, Contact.stage_id)).all())
        with_deal = set(conn.scalars(select(Contact.id).where(Contact.deal_amount.is_not(None))))
        answers: list[dict[str, object]] = []
        touched: set[int] = set()
        for cid in sorted(wanted & set(reached)):
            stages = reached[cid]
            if cid not in answered and criteria:
                got = [stages[k] for k in ("sql", "opportunity", "customer") if k in stages]
                if got:
                    at = got[0]
                    missing = rng.random() < 0.15
                    for crit_id, key in criteria:
                        answer = "yes"
                        if missing and key == "timeframe":
                            answer = rng.choice(["no", "unknown"])
                        answers.append(_answer(cid, crit_id, answer, at))
                    touched.add(cid)
                elif "mql" in stages and rng.random() < 0.35:
                    # some still in Marketing qualified answered every criterion yes: the
                    # Sales-ready queue (to hand over) is not empty in the demo
                    ready = keys.get(current.get(cid, -1)) == "mql" and rng.random() < 0.3
                    count = len(criteria) if ready else rng.randint(1, len(criteria) - 1 or 1)
                    for crit_id, _key in criteria[:count]:
                        answers.append(_answer(cid, crit_id, "yes", stages["mql"]))
                    touched.add(cid)
            opened = stages.get("opportunity")
            if opened is not None and cid not in with_deal:
                low, high = rng.choice(AMOUNTS)
                amount = round(rng.uniform(low, high) / 500) * 500
                still_open = keys.get(current.get(cid, -1)) == "opportunity"
                close = opened + timedelta(days=rng.randint(20, 90)) if still_open else None
                _set_deal(conn, cid, float(amount), close)
                touched.add(cid)
        if answers:
            conn.execute(insert(BantAnswer), answers)
        hooks.contacts_changed(s, sorted(touched), "answers")
    return len(touched)


def _answer(cid: int, crit_id: int, answer: str, at: datetime) -> dict[str, object]:
    return {
        "contact_id": cid,
        "criterion_id": crit_id,
        "answer": answer,
        "note": None,
        "updated_at": at,
    }


def _set_deal(conn: Connection, cid: int, amount: float, close: datetime | None) -> None:
    conn.execute(
        update(Contact).where(Contact.id == cid).values(deal_amount=amount, expected_close_at=close)
    )

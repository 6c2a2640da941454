"""0014: the sidebar's Awaiting and Overdue counts read the partial index ix_contacts_awaiting
(and Overdue's tasks ix_contacts_next_action) and nothing else — no contact row — and count
what they counted before, on random follow-up states, on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import and_, event, func, or_, select, update

from app import contacts, followup
from app.contacts import ContactQuery, create_contact, query_ids
from app.timeutil import utcnow
from app.todo import start_of_today_utc
from db.engine import Database
from db.models import Contact, Stage

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)

# which indexes each count may read the contacts through
READS = {
    "awaiting": {"ix_contacts_awaiting"},
    "overdue": {"ix_contacts_awaiting", "ix_contacts_next_action"},
}


def _count_statement(db: Database, queue: str) -> tuple[str, Any]:
    """The statement (and parameters) the sidebar's count of a queue runs."""
    seen: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        contacts.count(db, ContactQuery(queue=queue))
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    (found,) = [(s, p) for s, p in seen if "count(" in s.lower()]
    return found


def _plan(db: Database, statement: str, parameters: Any) -> list[str]:
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return [str(r[-1]) for r in rows]
        # a test database of a few rows is read whole by preference; is the index usable?
        conn.exec_driver_sql("SET enable_seqscan = off")
        return [str(r[0]) for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters)]


@BOTH
def test_awaiting_and_overdue_counts_read_only_their_indexes(db: Database) -> None:
    for queue, indexes in READS.items():
        plan = _plan(db, *_count_statement(db, queue))
        text = "\n".join(plan)
        for index in indexes:
            assert index in text, (queue, text)
        if db.engine.dialect.name == "sqlite":
            # every read of contacts goes through one of these indexes: no scan of the table,
            # no other index (the old ix_contacts_followup found the rows, not their stage)
            on_contacts = [line for line in plan if " contacts" in line]
            assert on_contacts, text
            for line in on_contacts:
                assert line.startswith("SEARCH contacts USING INDEX "), (queue, text)
                assert line.split()[4] in indexes, (queue, text)
            # nor a join to the stages, which takes each contact's stage from its row (Overdue
            # at 1,000,000: 0.8 s with it); the stages are read in the queue's subquery
            assert not [line for line in plan if line.startswith("SEARCH stages")], text
        else:
            assert "Seq Scan on contacts" not in text, (queue, text)


def _old_condition(queue: str, now: datetime) -> Any:
    """The queues as 0013 defined them (the statement the sidebar's counts ran)."""
    pipeline = Contact.stage_id.in_(select(Stage.id).where(Stage.kind == "pipeline"))
    unanswered = Contact.first_response_at.is_(None)
    if queue == "awaiting":
        return and_(Contact.response_due_at.is_not(None), unanswered, pipeline)
    return or_(
        and_(Contact.response_due_at < now, unanswered, pipeline),
        and_(Contact.next_action_at.is_not(None), Contact.next_action_at < start_of_today_utc(now)),
    )


def _old_count(db: Database, queue: str, now: datetime) -> int:
    stmt = (
        select(func.count(Contact.id))
        .select_from(Contact)
        .join(Stage, Contact.stage_id == Stage.id)
        .where(_old_condition(queue, now))
    )
    with db.session() as s:
        return int(s.scalar(stmt) or 0)


def _expected(db: Database, now: datetime) -> dict[str, set[int]]:
    """Each queue's contacts by the definition in words (``follow_up_state``, stage kinds)."""
    out: dict[str, set[int]] = {"awaiting": set(), "overdue": set()}
    with db.session() as s:
        rows = s.execute(
            select(
                Contact.id,
                Stage.kind,
                Contact.response_due_at,
                Contact.first_response_at,
                Contact.next_action_at,
            ).join(Stage, Contact.stage_id == Stage.id)
        ).all()
    for cid, kind, due, first, next_action in rows:
        state = followup.follow_up_state(due, first, now=now) if kind == "pipeline" else None
        if state in ("awaiting", "overdue"):
            out["awaiting"].add(cid)
        task_late = next_action is not None and next_action < start_of_today_utc(now)
        if state == "overdue" or task_late:
            out["overdue"].add(cid)
    return out


@pytest.fixture
def random_states(db: Database) -> Iterator[tuple[list[int], datetime]]:
    """120 contacts in every stage with random due times (none, long past, just past, just
    ahead), answers and next actions around now, and due times exactly at one moment."""
    rng = random.Random(14)
    stage_keys = ["suspect", "inquiry", "mql", "sql", "opportunity", "customer", "nurture"]
    stage_keys.append("disqualified")
    ids = [
        create_contact(db, name=f"C{i}", email=f"c{i}@firma{i}.de", stage=rng.choice(stage_keys))
        for i in range(120)
    ]
    now = utcnow()
    moment = now.replace(microsecond=0) - timedelta(hours=3)

    def around() -> datetime | None:
        pick = rng.random()
        if pick < 0.25:
            return None
        if pick < 0.35:
            return moment
        return now + timedelta(minutes=rng.randint(-60 * 24 * 40, 60 * 24 * 10))

    with db.session() as s:
        for cid in ids:
            due = around()
            first = None if rng.random() < 0.55 else now - timedelta(hours=rng.randint(1, 900))
            next_action = around() if rng.random() < 0.5 else None
            s.execute(
                update(Contact)
                .where(Contact.id == cid)
                .values(response_due_at=due, first_response_at=first, next_action_at=next_action)
            )
    yield ids, moment


@BOTH
def test_counts_and_lists_equal_the_old_definition(
    db: Database, random_states: tuple[list[int], datetime]
) -> None:
    _ids, moment = random_states
    now = utcnow()
    expected = _expected(db, now)
    assert expected["awaiting"] and expected["overdue"]  # the data has both kinds
    assert expected["overdue"] - expected["awaiting"]  # and late tasks outside awaiting
    for queue in READS:
        count = contacts.count(db, ContactQuery(queue=queue))
        assert count == len(expected[queue]) == _old_count(db, queue, now), queue
        assert set(query_ids(db, ContactQuery(queue=queue))) == expected[queue], queue
    by_due = query_ids(db, ContactQuery(queue="awaiting", sort="response_due", descending=False))
    with db.session() as s:
        due = dict(s.execute(select(Contact.id, Contact.response_due_at)).all())
    in_order = [due[i] for i in by_due]
    assert None not in in_order
    assert in_order == sorted(d for d in in_order if d is not None)
    # at the moment many are due, a second before and a second after: "due < now" exactly
    for when in (moment - timedelta(seconds=1), moment, moment + timedelta(seconds=1), now):
        counts = followup.queue_counts(db, now=when)
        expected = _expected(db, when)
        for queue in READS:
            assert counts[queue] == len(expected[queue]) == _old_count(db, queue, when), (
                queue,
                when,
            )
        assert followup.overdue_count(db, now=when) == len(expected["overdue"])
    before, at, after = (
        len(_expected(db, moment + timedelta(seconds=d))["overdue"]) for d in (-1, 0, 1)
    )
    assert before == at < after  # the contacts due at the moment are late only after it

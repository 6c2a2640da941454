"""Follow-up: received, response due, first response; queues; midnight and time zones."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app import followup, moves, scoring
from app.activities import delete_activity, log_activity
from app.contacts import ContactQuery, create_contact, get_contact, query_ids, update_contact
from app.errors import UsageError
from db.engine import Database

T = datetime(2026, 3, 2, 9, 0)  # a Monday, naive UTC like everything stored
BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def times(db: Database, cid: int) -> tuple[datetime | None, datetime | None, datetime | None]:
    c = get_contact(db, cid)
    return c.received_at, c.response_due_at, c.first_response_at


def test_received_is_the_move_into_inquiry_and_due_is_sla_later(db: Database) -> None:
    cid = create_contact(db, name="A", email="a@acme.de", at=T - timedelta(days=3))
    assert times(db, cid) == (None, None, None)  # a suspect: nothing is due
    moves.move_to_stage(db, [cid], "inquiry", at=T)
    assert times(db, cid) == (T, T + timedelta(hours=24), None)


def test_earliest_inquiry_received_activity_wins(db: Database) -> None:
    cid = create_contact(db, name="A", email="a@acme.de", stage="inquiry", at=T)
    log_activity(db, cid, "inquiry-received", at=T - timedelta(hours=5))
    assert times(db, cid)[:2] == (T - timedelta(hours=5), T + timedelta(hours=19))


def test_first_outbound_after_received_is_the_first_response(db: Database) -> None:
    cid = create_contact(db, name="A", email="a@acme.de", at=T - timedelta(days=9))
    log_activity(db, cid, "email-sent", at=T - timedelta(days=2))  # a campaign, not an answer
    assert times(db, cid)[2] == T - timedelta(days=2)  # not an inquiry yet: first outbound
    moves.move_to_stage(db, [cid], "inquiry", at=T)
    assert times(db, cid)[2] is None
    log_activity(db, cid, "note", at=T + timedelta(hours=1))
    assert times(db, cid)[2] is None
    log_activity(db, cid, "meeting", at=T + timedelta(hours=30))
    log_activity(db, cid, "call", at=T + timedelta(hours=3))
    assert times(db, cid)[2] == T + timedelta(hours=3)
    assert followup.follow_up_state(*times(db, cid)[1:]) == "answered"


def test_undoing_the_move_into_inquiry_clears_received(db: Database) -> None:
    cid = create_contact(db, name="A", email="a@acme.de", at=T - timedelta(days=1))
    from app import operations

    operations.move_contacts(db, [cid], "inquiry", at=T)
    assert times(db, cid)[0] == T
    operations.undo_operation(db)
    assert times(db, cid) == (None, None, None)


def test_an_earlier_received_time_typed_by_the_user_is_kept(db: Database) -> None:
    cid = create_contact(db, name="A", email="a@acme.de", stage="inquiry", at=T)
    update_contact(db, cid, received_at=(T - timedelta(days=1)).isoformat() + "+00:00")
    assert times(db, cid)[:2] == (T - timedelta(days=1), T)


def test_sla_setting_and_recompute_move_every_due_time(db: Database) -> None:
    cid = create_contact(db, name="A", email="a@acme.de", stage="inquiry", at=T)
    assert scoring.save_scoring_settings(db, sla_hours=4) is True
    scoring.recompute_all(db)
    assert times(db, cid)[1] == T + timedelta(hours=4)
    assert followup.sla_hours(db) == 4
    with pytest.raises(UsageError):
        followup.set_sla_hours(db, 0)


def test_deleting_the_answer_makes_it_unanswered_again(db: Database) -> None:
    cid = create_contact(db, name="A", email="a@acme.de", stage="inquiry", at=T)
    act = log_activity(db, cid, "call", at=T + timedelta(hours=2))
    delete_activity(db, act.id)
    assert times(db, cid)[2] is None


def test_queues_awaiting_overdue_and_the_overdue_count(db: Database) -> None:
    from app.timeutil import utcnow

    now = utcnow()
    old = create_contact(
        db, name="Old", email="o@acme.de", stage="inquiry", at=now - timedelta(hours=30)
    )
    fresh = create_contact(
        db, name="Fresh", email="f@acme.de", stage="inquiry", at=now - timedelta(hours=2)
    )
    older = create_contact(
        db, name="Older", email="x@acme.de", stage="inquiry", at=now - timedelta(hours=50)
    )
    answered = create_contact(
        db, name="Answered", email="a@acme.de", stage="inquiry", at=now - timedelta(hours=40)
    )
    log_activity(db, answered, "email-sent", at=now - timedelta(hours=39))
    gone = create_contact(
        db, name="Gone", email="g@acme.de", stage="inquiry", at=now - timedelta(hours=60)
    )
    moves.move_to_stage(db, [gone], "disqualified", reason="Student")
    won = create_contact(
        db, name="Won", email="w@acme.de", stage="inquiry", at=now - timedelta(hours=70)
    )
    moves.move_to_stage(db, [won], "customer")

    awaiting = ContactQuery(queue="awaiting", sort="response_due", descending=False)
    assert query_ids(db, awaiting) == [older, old, fresh]
    assert query_ids(db, ContactQuery(queue="overdue", sort="response_due", descending=False)) == [
        older,
        old,
    ]
    assert followup.overdue_count(db) == 2
    assert followup.queue_counts(db)["awaiting"] == 3
    assert followup.follow_up_state(*times(db, old)[1:], now=now) == "overdue"
    assert followup.follow_up_state(*times(db, fresh)[1:], now=now) == "awaiting"
    # overdue exactly at the due time, not a second before
    due = times(db, fresh)[1]
    assert due is not None
    assert followup.overdue_count(db, now=due) == 2
    assert followup.overdue_count(db, now=due + timedelta(seconds=1)) == 3


# --- local days, midnight and time zones ------------------------------------------------


def test_end_of_today_in_berlin_around_midnight() -> None:
    # 22:30 UTC on 14 March is 23:30 in Berlin (CET, UTC+1): today ends at 23:00 UTC
    assert followup.end_of_today_utc(datetime(2026, 3, 14, 22, 30), BERLIN) == datetime(
        2026, 3, 14, 23, 0
    )
    # 23:30 UTC is already 00:30 on the 15th in Berlin: today ends at 23:00 UTC on the 15th
    assert followup.end_of_today_utc(datetime(2026, 3, 14, 23, 30), BERLIN) == datetime(
        2026, 3, 15, 23, 0
    )


def test_end_of_today_in_los_angeles_and_across_daylight_saving() -> None:
    # 05:00 UTC on 15 March is 22:00 on the 14th in Los Angeles (PDT since 8 March, UTC−7)
    assert followup.end_of_today_utc(datetime(2026, 3, 15, 5, 0), LOS_ANGELES) == datetime(
        2026, 3, 15, 7, 0
    )
    # Berlin switches to summer time on 29 March: that day has 23 hours
    assert followup.local_midnight_utc(date(2026, 3, 29), BERLIN) == datetime(2026, 3, 28, 23)
    assert followup.local_midnight_utc(date(2026, 3, 30), BERLIN) == datetime(2026, 3, 29, 22)


@pytest.mark.parametrize(
    ("choice", "today", "expected"),
    [
        ("today", date(2026, 3, 14), date(2026, 3, 14)),
        ("tomorrow", date(2026, 3, 14), date(2026, 3, 15)),
        ("tomorrow", date(2026, 12, 31), date(2027, 1, 1)),
        ("next-week", date(2026, 3, 14), date(2026, 3, 16)),  # Saturday → Monday
        ("next-week", date(2026, 3, 15), date(2026, 3, 16)),  # Sunday → the next day
        ("next-week", date(2026, 3, 16), date(2026, 3, 23)),  # Monday → a week later
        ("next-month", date(2026, 1, 31), date(2026, 2, 28)),
        ("next-month", date(2028, 1, 31), date(2028, 2, 29)),
        ("next-month", date(2026, 12, 15), date(2027, 1, 15)),
    ],
)
def test_quick_pick_days(choice: str, today: date, expected: date) -> None:
    assert followup.quick_pick_day(choice, today) == expected


def test_quick_pick_is_the_start_of_the_local_day() -> None:
    # 23:30 UTC on 14 March is already the 15th in Berlin: tomorrow is the 16th, 00:00 CET
    assert followup.quick_pick("tomorrow", datetime(2026, 3, 14, 23, 30), BERLIN) == datetime(
        2026, 3, 15, 23, 0
    )
    with pytest.raises(UsageError):
        followup.quick_pick("someday", T, BERLIN)


@pytest.fixture
def tokyo_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The computer's zone is Tokyo (UTC+9, no daylight saving) for the 'today' queue."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_today_queue_uses_the_local_day(db: Database, tokyo_time: None) -> None:
    # now: 14:30 UTC on 14 March = 23:30 in Tokyo; today (Tokyo) ends at 15:00 UTC
    now = datetime(2026, 3, 14, 14, 30)
    before = create_contact(db, name="Late tonight", email="a@acme.de")
    after = create_contact(db, name="Just after midnight", email="b@acme.de")
    none = create_contact(db, name="Nothing planned", email="c@acme.de")
    followup.set_next_action(db, [before], datetime(2026, 3, 14, 14, 59))
    followup.set_next_action(db, [after], datetime(2026, 3, 14, 15, 0))
    condition = followup.today_condition(now)
    from sqlalchemy import select

    from db.models import Contact

    with db.session() as s:
        ids = set(s.scalars(select(Contact.id).where(condition)))
    assert ids == {before}
    assert none not in ids
    # the quick pick "tomorrow" from that moment is 15 March 00:00 Tokyo = 15:00 UTC on the 14th
    assert followup.quick_pick("tomorrow", now) == datetime(2026, 3, 14, 15, 0)
    assert followup.parse_next_action("2026-03-20", now) == datetime(2026, 3, 19, 15, 0)
    assert followup.parse_next_action("none") is None


def test_next_action_set_and_restore(db: Database) -> None:
    cid = create_contact(db, name="A", email="a@acme.de")
    old = followup.set_next_action(db, [cid], T)
    assert old == {cid: None}
    assert get_contact(db, cid).next_action_at == T
    followup.restore_next_action(db, old)
    assert get_contact(db, cid).next_action_at is None

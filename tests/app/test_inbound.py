"""Issue 12, item 1: an inbound activity on a Suspect makes it an Inquiry (an automatic,
recorded, undoable move at the activity's time) and starts its response clock; the SLA depends
on the kind of inbound activity; the queues, the status bar and the dashboard agree."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app import followup, metrics, moves, operations, scoring
from app.contacts import ContactQuery, create_contact, get_contact, query_ids
from app.timeutil import utcnow
from db.engine import Database


def _now() -> datetime:
    return utcnow().replace(minute=0, second=0)


def _times(db: Database, cid: int) -> tuple[str, datetime | None, datetime | None]:
    c = get_contact(db, cid)
    return c.stage_key, c.received_at, c.response_due_at


@pytest.mark.parametrize(
    ("kind", "hours", "label"),
    [
        ("content-downloaded", 72, "Content downloaded"),
        ("webinar-attended", 48, "Webinar attended"),
        ("inquiry-received", 24, "Inquiry received"),
        ("demo-requested", 1, "Demo requested"),
        ("asked-for-sales", 1, "Asked for sales contact"),
    ],
)
def test_an_inbound_activity_makes_a_suspect_an_inquiry_with_its_kinds_clock(
    db: Database, kind: str, hours: int, label: str
) -> None:
    t = _now() - timedelta(hours=3)
    cid = create_contact(db, name="Jane Roe", email="jane@acme.de", at=t - timedelta(days=2))
    operations.log_activity(db, cid, kind, at=t)
    assert _times(db, cid) == ("inquiry", t, t + timedelta(hours=hours))
    last = moves.history(db, cid)[-1]
    assert (last.from_key, last.to_key, last.at, last.automatic) == ("suspect", "inquiry", t, True)
    assert last.reason == f"Inbound: {label}"


def test_the_white_paper_download_is_undone_with_its_move(db: Database) -> None:
    t = _now() - timedelta(hours=1)
    cid = create_contact(db, name="Jane Roe", email="jane@acme.de", at=t - timedelta(days=1))
    result = operations.log_activity(db, cid, "content-downloaded", at=t)
    assert "inquiry" in result.changes.stages and cid in result.changes.contacts
    assert operations.history(db)[0].label.startswith("content downloaded logged")
    operations.undo_operation(db)
    assert _times(db, cid) == ("suspect", None, None)
    assert [h.to_key for h in moves.history(db, cid) if h.undone_at is None] == ["suspect"]
    operations.redo_operation(db)
    assert _times(db, cid) == ("inquiry", t, t + timedelta(hours=72))


def test_a_backdated_inbound_activity_moves_no_earlier_than_the_previous_move(
    db: Database,
) -> None:
    created = _now() - timedelta(hours=2)
    cid = create_contact(db, name="Jane Roe", email="jane@acme.de", at=created)
    earlier = created - timedelta(days=10)  # a past webinar, logged today
    operations.log_activity(db, cid, "webinar-attended", at=earlier)
    stage, received, due = _times(db, cid)
    assert (stage, received, due) == ("inquiry", earlier, earlier + timedelta(hours=48))
    assert moves.history(db, cid)[-1].at == created  # history keeps its order


def test_a_later_faster_kind_shortens_the_clock(db: Database) -> None:
    t = _now() - timedelta(hours=5)
    cid = create_contact(db, name="Jane Roe", email="jane@acme.de", at=t - timedelta(days=1))
    operations.log_activity(db, cid, "content-downloaded", at=t)
    operations.log_activity(db, cid, "demo-requested", at=t + timedelta(hours=2))
    assert _times(db, cid) == ("inquiry", t, t + timedelta(hours=3))


def test_a_contact_put_back_to_suspect_stays_until_a_new_inbound_activity(db: Database) -> None:
    t = _now() - timedelta(days=3)
    cid = create_contact(db, name="Jane Roe", email="jane@acme.de", at=t - timedelta(days=1))
    operations.log_activity(db, cid, "content-downloaded", at=t)
    operations.move_contacts(db, [cid], "suspect", reason="a student, not a buyer")
    operations.log_activity(db, cid, "note", note="called back")
    operations.edit_contact(db, cid, {"city": "Bremen"})
    assert get_contact(db, cid).stage_key == "suspect"
    later = utcnow()
    operations.log_activity(db, cid, "demo-requested", at=later)
    assert get_contact(db, cid).stage_key == "inquiry"
    assert moves.history(db, cid)[-1].at == later


def test_a_typed_received_date_makes_an_inquiry_too(db: Database) -> None:
    cid = create_contact(db, name="Jane Roe", email="jane@acme.de")
    day = (_now() - timedelta(days=4)).replace(hour=8)
    operations.edit_contact(db, cid, {"received_at": day.isoformat() + "+00:00"})
    stage, received, due = _times(db, cid)
    assert (stage, received, due) == ("inquiry", day, day + timedelta(hours=24))
    assert moves.history(db, cid)[-1].reason == "Inbound: inquiry received (date recorded)"


def test_old_suspects_with_an_inquiry_become_inquiries_on_recompute(db: Database) -> None:
    """A database from before this rule: an inquiry logged on a Suspect left it a Suspect."""
    t = _now() - timedelta(days=3)
    cid = create_contact(db, name="Jane Roe", email="jane@acme.de", at=t - timedelta(days=1))
    with db.session() as s:
        from db.models import Activity

        s.add(Activity(contact_id=cid, type="inquiry-received", at=t))
    assert get_contact(db, cid).stage_key == "suspect"
    scoring.recompute_all(db)
    assert _times(db, cid) == ("inquiry", t, t + timedelta(hours=24))


def test_queues_status_bar_and_dashboard_count_the_same_inquiries(db: Database) -> None:
    t = _now() - timedelta(days=5)
    a = create_contact(db, name="A", email="a@acme.de", at=t - timedelta(days=1))
    b = create_contact(db, name="B", email="b@acme.de", at=t - timedelta(days=1))
    create_contact(db, name="C", email="c@acme.de", at=t - timedelta(days=1))  # only a name
    operations.log_activity(db, a, "inquiry-received", at=t)
    operations.log_activity(db, b, "content-downloaded", at=t)
    overdue = set(query_ids(db, ContactQuery(queue="overdue")))
    assert overdue == {a, b} and followup.overdue_count(db) == 2
    m = metrics.compute_metrics(db)
    assert (m.inquiries, m.decided, m.unanswered, m.never_followed_up) == (2, 2, 2, 2)
    assert m.unanswered_share == 1.0


def test_sla_per_kind_is_a_setting_and_recompute_moves_the_due_times(db: Database) -> None:
    t = _now() - timedelta(hours=2)
    cid = create_contact(db, name="Jane Roe", email="jane@acme.de", at=t - timedelta(days=1))
    operations.log_activity(db, cid, "content-downloaded", at=t)
    needed = operations.save_scoring_settings(db, sla_by_kind={"content-downloaded": 96}).value
    assert needed is True
    scoring.recompute_all(db)
    assert _times(db, cid)[2] == t + timedelta(hours=96)
    assert followup.sla_by_kind(db)["content-downloaded"] == 96
    assert followup.sla_by_kind(db)["inquiry-received"] == 24
    operations.undo_operation(db)
    scoring.recompute_all(db)
    assert _times(db, cid)[2] == t + timedelta(hours=72)
    with pytest.raises(Exception, match="more than 0"):
        followup.set_sla_by_kind(db, {"demo-requested": 0})

"""Issue 12, item 8: an activity can be corrected or removed, undoably; first-response times
and scores follow."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from app import followup, operations
from app.activities import list_activities
from app.cli import main
from app.contacts import create_contact, get_contact
from app.timeutil import utcnow
from db.engine import Database


def _inquiry(db: Database) -> tuple[int, datetime]:
    t = utcnow().replace(minute=0, second=0) - timedelta(days=2)
    cid = create_contact(db, name="Jane Roe", email="jane@acme.de", stage="inquiry", at=t)
    return cid, t


def test_removing_a_mistaken_email_makes_the_inquiry_unanswered_again(db: Database) -> None:
    cid, t = _inquiry(db)
    act = operations.log_activity(db, cid, "email-sent", at=t + timedelta(hours=2)).value
    c = get_contact(db, cid)
    assert followup.follow_up_state(c.response_due_at, c.first_response_at) == "answered"
    operations.delete_activity(db, act.id)
    c = get_contact(db, cid)
    assert c.first_response_at is None
    assert followup.follow_up_state(c.response_due_at, c.first_response_at) == "overdue"
    assert operations.history(db)[0].label.startswith("removal of an activity")
    operations.undo_operation(db)
    assert get_contact(db, cid).first_response_at == t + timedelta(hours=2)


def test_correcting_type_and_time_moves_the_first_response_and_score(db: Database) -> None:
    cid, t = _inquiry(db)
    call = operations.log_activity(db, cid, "call", at=t + timedelta(hours=5)).value
    demo = operations.log_activity(db, cid, "demo-requested", at=t + timedelta(hours=1)).value
    score = get_contact(db, cid).score or 0
    operations.edit_activity(db, call.id, at=t + timedelta(hours=3))
    assert get_contact(db, cid).first_response_at == t + timedelta(hours=3)
    operations.edit_activity(db, call.id, activity_type="note", note="left a voicemail")
    c = get_contact(db, cid)
    assert c.first_response_at is None
    assert [(a.type, a.note) for a in list_activities(db, cid)][-1] == ("note", "left a voicemail")
    operations.delete_activity(db, demo.id)
    assert (get_contact(db, cid).score or 0) < score - 15  # the demo's 20 points went, call's 3
    operations.undo_operation(db)
    operations.undo_operation(db)
    c = get_contact(db, cid)
    assert c.first_response_at == t + timedelta(hours=3)
    assert [a.type for a in list_activities(db, cid)] == ["demo-requested", "call"]


def test_an_activity_cannot_be_moved_more_than_a_day_ahead(db: Database) -> None:
    cid, t = _inquiry(db)
    act = operations.log_activity(db, cid, "call", at=t).value
    with pytest.raises(Exception, match="more than a day ahead"):
        operations.edit_activity(db, act.id, at=utcnow() + timedelta(days=5))


def test_cli_activity_edit_and_delete(
    db: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cid, t = _inquiry(db)
    act = operations.log_activity(db, cid, "email-sent", at=t + timedelta(hours=1)).value
    db.close()
    base = ["--db", db_url]
    assert main([*base, "activity", "edit", "999"]) == 1  # no such activity
    assert main([*base, "activity", "edit", str(act.id)]) == 2  # nothing to change
    at = (t + timedelta(hours=4)).isoformat() + "+00:00"
    assert main([*base, "activity", "edit", str(act.id), "--at", at, "--note", "re: quote"]) == 0
    capsys.readouterr()
    assert main([*base, "show", str(cid), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["activities"][0]["note"] == "re: quote"
    assert shown["first_response_at"] == at
    assert main([*base, "activity", "delete", str(act.id), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["deleted"] is True
    assert main([*base, "show", str(cid), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["first_response_at"] is None
    assert main([*base, "undo"]) == 0

"""BANT qualification: criteria as data, answers with notes, qualified = required all yes; consent."""

from __future__ import annotations

from datetime import datetime

import pytest

from app import consent, qualification
from app.contacts import ContactQuery, count, create_contact, get_contact
from app.errors import UnknownContact, UsageError
from db.engine import Database


def test_default_criteria_are_bant_and_required(db: Database) -> None:
    crits = qualification.list_criteria(db)
    assert [(c.key, c.name, c.required) for c in crits] == [
        ("budget", "Budget", True),
        ("authority", "Authority", True),
        ("need", "Need", True),
        ("timeframe", "Timeframe", True),
    ]


def test_contact_qualifies_when_every_required_criterion_is_yes(db: Database) -> None:
    cid = create_contact(db, name="Anna Weiß", email="anna@acme.de")
    status = qualification.get_bant(db, cid)
    assert status.answers() == dict.fromkeys(
        ("budget", "authority", "need", "timeframe"), "unknown"
    )
    assert not status.qualified
    assert status.missing == ("Budget", "Authority", "Need", "Timeframe")

    qualification.set_bant(
        db, cid, {"budget": "yes", "authority": "yes", "need": "yes"}, {"budget": "Approved for Q3"}
    )
    status = qualification.get_bant(db, cid)
    assert not status.qualified and status.missing == ("Timeframe",)
    assert status.items[0].note == "Approved for Q3"

    qualification.set_bant(db, cid, {"timeframe": "YES"})
    assert qualification.get_bant(db, cid).qualified
    qualification.set_bant(db, cid, {"need": "no"})
    assert not qualification.get_bant(db, cid).qualified


def test_optional_and_added_criteria(db: Database) -> None:
    cid = create_contact(db, name="Anna Weiß", email="anna@acme.de")
    qualification.set_bant(
        db, cid, dict.fromkeys(("budget", "authority", "need", "timeframe"), "yes")
    )
    champion = qualification.add_criterion(db, "Champion")
    assert (champion.key, champion.required) == ("champion", True)
    assert not qualification.get_bant(db, cid).qualified  # a new required criterion is unknown
    qualification.set_required(db, "champion", False)
    assert qualification.get_bant(db, cid).qualified
    fit = qualification.add_criterion(db, "Fit", required=True)
    qualification.set_bant(db, cid, {fit.key: "yes"})
    assert qualification.get_bant(db, cid).qualified
    assert [c.key for c in qualification.list_criteria(db)][-2:] == ["champion", "fit"]
    qualification.rename_criterion(db, "timeframe", "Timing")
    assert qualification.get_bant(db, cid).items[3].name == "Timing"
    with pytest.raises(UsageError, match="exists already"):
        qualification.add_criterion(db, "Fit")


def test_no_required_criteria_means_all_must_be_yes() -> None:
    assert qualification.is_qualified([(False, "yes"), (False, "yes")])
    assert not qualification.is_qualified([(False, "yes"), (False, "unknown")])
    assert not qualification.is_qualified([])
    assert qualification.is_qualified([(True, "yes"), (False, "no")])


def test_edit_returns_what_changed_for_undo(db: Database) -> None:
    cid = create_contact(db, name="Anna Weiß", email="anna@acme.de")
    qualification.set_bant(db, cid, {"budget": "yes"}, {"budget": "Has money"})
    edit = qualification.set_bant(db, cid, {"budget": "no", "need": "yes"})
    assert edit.changes == {
        "budget": (("yes", "Has money"), ("no", "Has money")),
        "need": (("unknown", None), ("yes", None)),
    }
    answers, notes = edit.undo_values()
    qualification.set_bant(db, cid, answers, notes)
    assert qualification.get_bant(db, cid).answers()["budget"] == "yes"
    assert qualification.get_bant(db, cid).answers()["need"] == "unknown"
    # nothing changed: nothing reported
    assert qualification.set_bant(db, cid, {"budget": "yes"}).changes == {}


def test_bad_input_is_refused_before_writing(db: Database) -> None:
    cid = create_contact(db, name="Anna Weiß", email="anna@acme.de")
    with pytest.raises(UsageError, match="unknown criterion 'money'"):
        qualification.set_bant(db, cid, {"budget": "yes", "money": "yes"})
    assert qualification.get_bant(db, cid).answers()["budget"] == "unknown"
    with pytest.raises(UsageError, match="yes, no or unknown"):
        qualification.set_bant(db, cid, {"budget": "maybe"})
    with pytest.raises(UnknownContact):
        qualification.set_bant(db, 999, {"budget": "yes"})


def test_marks_for_cards_and_qualified_ids(db: Database) -> None:
    a = create_contact(db, name="A", email="a@acme.de")
    b = create_contact(db, name="B", email="b@acme.de")
    c = create_contact(db, name="C", email="c@acme.de")
    qualification.set_bant(
        db, a, dict.fromkeys(("budget", "authority", "need", "timeframe"), "yes")
    )
    qualification.set_bant(db, b, {"need": "no"})
    assert qualification.bant_marks(db, [a, b, c]) == {
        a: ("yes", "yes", "yes", "yes"),
        b: ("unknown", "unknown", "no", "unknown"),
    }
    assert qualification.qualified_ids(db, [a, b, c]) == {a}


def test_removing_a_criterion_removes_its_answers(db: Database) -> None:
    a = create_contact(db, name="A", email="a@acme.de")
    qualification.set_bant(db, a, {"budget": "yes"})
    assert qualification.remove_criterion(db, "budget") == [a]
    assert "budget" not in qualification.get_bant(db, a).answers()


# --- consent ---------------------------------------------------------------------------


def test_consent_records_when_and_how_and_is_filterable(db: Database) -> None:
    a = create_contact(db, name="A", email="a@acme.de")
    b = create_contact(db, name="B", email="b@acme.de")
    c = create_contact(db, name="C", email="c@acme.de")
    when = datetime(2026, 3, 14, 9, 30)
    edits = consent.set_consent(db, [a, b], "granted", how="Checkbox on the web form", at=when)
    assert [e.contact_id for e in edits] == [a, b]
    assert edits[0].old.state == "unknown"
    state = consent.get_consent(db, a)
    assert (state.state, state.at, state.how) == ("granted", when, "Checkbox on the web form")
    consent.set_consent(db, [b], "withdrawn", how="Asked by phone")
    assert get_contact(db, b).consent == "withdrawn"
    assert count(db, ContactQuery(consent="granted")) == 1
    assert count(db, ContactQuery(consent="unknown")) == 1
    kept, left_out = consent.split_for_marketing(db, [c, b, a])
    assert (kept, left_out) == ([a], 2)
    assert consent.consent_counts(db) == {"unknown": 1, "granted": 1, "withdrawn": 1}
    # undo puts back when and how
    undo = consent.set_consent(db, [a], "unknown")
    assert consent.get_consent(db, a).at is None
    consent.restore_consent(db, undo)
    assert consent.get_consent(db, a) == state
    with pytest.raises(UsageError):
        consent.set_consent(db, [a], "maybe")
    with pytest.raises(UnknownContact):
        consent.set_consent(db, [a, 999], "granted")


def test_marks_follow_the_criteria_order_for_many_contacts(demo_db: Database) -> None:
    """bant_marks reads SQLite's answers through the driver: each answer in its criterion's
    place, whatever order the rows come in, after the criteria are reordered too; the same as
    each contact's answers one by one."""
    from app.contacts import ContactQuery, query_ids

    ids = query_ids(demo_db, ContactQuery())
    qualification.set_bant(demo_db, ids[0], {"timeframe": "no", "budget": "yes"})
    keys = ["timeframe", "need", "authority", "budget"]
    qualification.reorder_criteria(demo_db, keys)
    marks = qualification.bant_marks(demo_db, [*ids, ids[0], 10**9])
    expected = {}
    for cid in ids:
        answers = qualification.get_bant(demo_db, cid).answers()
        if any(answers.get(k, "unknown") != "unknown" for k in keys):
            expected[cid] = tuple(answers.get(k, "unknown") for k in keys)
    assert marks == expected
    assert marks[ids[0]] == ("no", "unknown", "unknown", "yes")
    assert len(marks) > 20  # the demo answers for many of its contacts


def test_the_criteria_order_the_driver_reads_is_sqlalchemys_own_text() -> None:
    """bant_marks reads the criteria's order through SQLite's driver with this text: the
    statement's own, as SQLAlchemy compiles it for SQLite (same plan, same order)."""
    from sqlalchemy.dialects import sqlite

    compiled = str(qualification._CRITERIA_ORDER.compile(dialect=sqlite.dialect()))
    assert compiled == qualification._CRITERIA_ORDER_SQL

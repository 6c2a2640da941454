"""Team mode (issue 14): who did what, owners, and no lost update — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from app import activities, contacts, moves, operations
from app.contacts import ContactQuery
from app.identity import current_actor, resolve_person
from app.versions import StaleVersion
from db.engine import Database

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


def _people(db: Database, n: int) -> list[int]:
    return [
        operations.create_contact(
            db, first_name=f"Person{i}", last_name="Test", email=f"p{i}@example.com"
        ).value
        for i in range(n)
    ]


def _as(monkeypatch: pytest.MonkeyPatch, db: Database, name: str) -> None:
    """Work as ``name``: the OS user on SQLite; on PostgreSQL the login role is fixed by the
    address, so the test reads whoever that is."""
    monkeypatch.setenv("LOGNAME", name)


def test_every_operation_records_who_did_it(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _as(monkeypatch, db, "anna")
    me = current_actor(db)
    if db.is_sqlite:
        assert me == "anna"
    (cid,) = _people(db, 1)
    operations.move_contacts(db, [cid], "inquiry")
    operations.log_activity(db, cid, "call", note="asked for a quote")
    operations.edit_contact(db, cid, {"phone": "+49 30 1234567"})
    entries = operations.history(db)
    assert [e.actor for e in entries] == [me] * len(entries) and len(entries) == 4
    history = moves.history(db, cid)
    assert history[-1].to_key == "inquiry" and history[-1].changed_by == me
    assert activities.list_activities(db, cid)[-1].created_by == me
    detail = contacts.get_contact(db, cid)
    assert detail.changed_by == me
    # the detail panel reads the same, in one go
    from app.contact_view import load_contact_view

    view = load_contact_view(db, cid)
    assert view.history[-1].changed_by == me and view.activities[-1].created_by == me


def test_every_change_bumps_the_version_undo_included(db: Database) -> None:
    a, b = _people(db, 2)
    assert contacts.get_contact(db, a).version == 1
    operations.edit_contact(db, a, {"title": "Buyer"})
    assert contacts.get_contact(db, a).version == 2
    operations.move_contacts(db, [a], "inquiry")
    operations.set_consent(db, [a], "granted", how="form")
    operations.set_bant(db, a, {"budget": "yes"})
    operations.assign_owner(db, [a], "anna")
    assert contacts.get_contact(db, a).version == 6
    operations.undo_operation(db)  # the assignment
    after = contacts.get_contact(db, a)
    assert after.owner is None and after.version == 7  # never back to an old number
    operations.edit_contact(db, a, {"title": "Buyer"})  # nothing changes: no new version
    assert contacts.get_contact(db, a).version == 7
    assert contacts.get_contact(db, b).version == 1  # untouched contacts keep theirs


def test_a_stale_edit_is_refused_naming_who_changed_what(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    (cid,) = _people(db, 1)
    seen = contacts.get_contact(db, cid).version
    _as(monkeypatch, db, "anna")
    operations.edit_contact(db, cid, {"phone": "+49 30 1234567", "title": "CTO"})
    _as(monkeypatch, db, "bob")
    with pytest.raises(StaleVersion) as refused:
        operations.edit_contact(db, cid, {"title": "CEO"}, expect_version=seen)
    exc = refused.value
    who = "anna" if db.is_sqlite else current_actor(db)
    assert exc.changed_by == who and (exc.expected, exc.current) == (1, 2)
    assert exc.changes[0].actor == who and set(exc.changes[0].fields) == {"Phone", "Job title"}
    assert f"changed by {who}" in str(exc) and "Job title" in str(exc)
    assert contacts.get_contact(db, cid).title == "CTO"  # nothing saved
    # on the version it has now, the same edit goes through
    operations.edit_contact(db, cid, {"title": "CEO"}, expect_version=exc.current)
    assert contacts.get_contact(db, cid).title == "CEO"


def test_moves_of_different_contacts_never_conflict(db: Database) -> None:
    a, b = _people(db, 2)
    va, vb = contacts.get_contact(db, a).version, contacts.get_contact(db, b).version
    operations.move_contacts(db, [a], "inquiry", expect_versions={a: va})
    operations.move_contacts(db, [b], "inquiry", expect_versions={b: vb})  # a's move: no matter
    with pytest.raises(StaleVersion):
        operations.move_contacts(db, [a], "lead", expect_versions={a: va})
    assert contacts.get_contact(db, a).stage_key == "inquiry"


def test_assign_is_an_undoable_operation_and_lists_filter_by_owner(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _as(monkeypatch, db, "anna")
    a, b, c = _people(db, 3)
    me = resolve_person(db, "me")
    assert me == current_actor(db)
    result = operations.assign_owner(db, [a, b], me).value
    assert result.assigned == (a, b) and result.owner == me
    operations.assign_owner(db, [c], "bob")
    mine = contacts.list_rows(db, ContactQuery(owner=me))
    assert {r.id for r in mine} == {a, b}
    assert [r.id for r in contacts.list_rows(db, ContactQuery(owner=""))] == []
    again = operations.assign_owner(db, [a, c], "bob").value
    assert again.assigned == (a,) and again.unchanged == (c,)
    assert operations.history(db)[0].label == "assignment of 1 contact to bob"
    operations.undo_operation(db)
    assert contacts.get_contact(db, a).owner == me
    operations.assign_owner(db, [a], resolve_person(db, "none"))
    assert contacts.get_contact(db, a).owner is None
    assert {r.id for r in contacts.list_rows(db, ContactQuery(owner=""))} == {a}


def test_an_import_can_assign_its_batch_and_says_who_imported(
    db: Database, tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    from app.importing.batches import list_batches
    from app.importing.service import import_file

    _as(monkeypatch, db, "anna")
    me = current_actor(db)
    (known,) = _people(db, 1)  # p0@example.com
    before = contacts.get_contact(db, known).version
    path = Path(str(tmp_path)) / "show.csv"
    path.write_text(
        "Name,E-mail,Company\nAyşe Öztürk,ayse@example.com.tr,Öztürk\n"
        "Person0 Test,p0@example.com,Filled In GmbH\n",
        encoding="utf-8",
    )
    report = import_file(db, path, on_duplicate="fill", owner="bob")
    assert report.imported == 1 and report.updated == 1
    new = [r for r in contacts.list_rows(db, ContactQuery(owner="bob"))]
    assert [r.name for r in new] == ["Ayşe Öztürk"]  # the batch's new contacts only
    assert contacts.get_contact(db, new[0].id).changed_by == me
    assert moves.history(db, new[0].id)[0].changed_by == me
    updated = contacts.get_contact(db, known)
    assert updated.company == "Filled In GmbH" and updated.owner is None
    assert updated.version == before + 1  # an edit made on the version before is stale now
    with pytest.raises(StaleVersion):
        operations.edit_contact(db, known, {"title": "CEO"}, expect_version=before)
    assert list_batches(db)[0].created_by == me


def test_own_operations_since_the_version_shown_are_no_conflict(db: Database) -> None:
    from app.versions import expected_after_own

    a, b = _people(db, 2)
    shown = {a: 1, b: 1}
    mine = operations.log_activity(db, a, "call", note="asked for a quote").operation_id
    theirs = operations.edit_contact(db, b, {"title": "Buyer"}).operation_id
    assert mine is not None and theirs is not None
    # a: changed since only by this window's operation; b: by someone else's
    assert expected_after_own(db, shown, {mine}) == {a: 2, b: 1}
    assert expected_after_own(db, shown, set()) == shown
    # a decision on a's shown version goes through; on b's it is refused
    expected = expected_after_own(db, {a: 1}, {mine})
    operations.triage_decision(db, [a], "inquiry", expect_versions=expected)
    assert contacts.get_contact(db, a).stage_key == "inquiry"
    with pytest.raises(StaleVersion):
        operations.triage_decision(db, [b], "inquiry", expect_versions={b: 1})
    # someone else's change after mine: a's version shown before both is stale again
    later = operations.edit_contact(db, a, {"city": "Lyon"}).operation_id
    assert later is not None
    assert expected_after_own(db, {a: 1}, {mine}) == {a: 1}
    # an undo flips an entry instead of writing one: not taken for one of mine
    version = contacts.get_contact(db, a).version
    operations.undo_operation(db)
    assert expected_after_own(db, {a: version}, {mine, later}) == {a: version}

"""Undoable deletes through the operations: everything comes back with the same ids."""

from __future__ import annotations

from app import activities, contacts, moves, operations, qualification
from app.contacts import ContactQuery
from db.engine import Database
from db.models import Contact


def _row(db: Database, contact_id: int) -> dict[str, object]:
    with db.session() as s:
        c = s.get(Contact, contact_id)
        assert c is not None
        return {col.name: getattr(c, col.key) for col in Contact.__table__.columns}


def _make(db: Database) -> int:
    cid = contacts.create_contact(
        db,
        name="Jürgen Weißmann",
        email="jw@kessler-antrieb.de",
        company="Kessler Antriebstechnik",
        title="Plant manager",
        source="Trade show: Hannover Messe 2026",
        notes="Met at booth",
        stage="inquiry",
    )
    moves.move_to_stage(db, [cid], "mql")
    activities.log_activity(db, cid, "call", note="Called back")
    qualification.set_bant(db, cid, {"budget": "yes", "need": "no"}, {"budget": "€20k"})
    return cid


def test_delete_and_undo_brings_back_row_history_activities_and_answers(db: Database) -> None:
    cid = _make(db)
    other = contacts.create_contact(db, name="Anna Becker", email="anna@example.org")
    before_row = _row(db, cid)
    before_history = moves.history(db, cid)
    before_acts = activities.list_activities(db, cid)
    before_bant = qualification.get_bant(db, cid)

    result = operations.delete_contacts(db, [cid, 999_999])
    assert result.value == 1  # the unknown id is simply not part of it
    assert result.changes.deleted == {cid}
    assert contacts.contact_exists(db, [cid]) == [cid]
    assert contacts.count(db, ContactQuery(search="Weißmann")) == 0
    assert contacts.contact_exists(db, [other]) == []  # only what was asked went

    operations.undo_operation(db)
    assert _row(db, cid) == before_row
    assert moves.history(db, cid) == before_history
    assert activities.list_activities(db, cid) == before_acts
    assert qualification.get_bant(db, cid).answers() == before_bant.answers()
    # the search index follows the restored row
    assert contacts.query_ids(db, ContactQuery(search="Weißmann")) == [cid]


def test_undo_of_a_move_still_works_after_delete_and_undo(db: Database) -> None:
    cid = contacts.create_contact(db, name="Ola Nord", email="ola@nord.se")
    operations.move_contacts(db, [cid], "sql")
    operations.delete_contacts(db, [cid])
    operations.undo_operation(db)  # the delete
    operations.undo_operation(db)  # the move
    assert contacts.get_contact(db, cid).stage_key == "suspect"
    assert moves.history(db, cid)[-1].undone_at is not None


def test_a_deleted_contacts_id_is_never_handed_out_again(db: Database) -> None:
    first = contacts.create_contact(db, name="Old Timer", email="old@timer.de")
    moves.move_to_stage(db, [first], "inquiry")
    operations.delete_contacts(db, [first])
    newcomer = contacts.create_contact(db, name="New Comer", email="new@comer.de")
    assert newcomer > first  # the freed id stays the deleted contact's
    operations.undo_operation(db)
    assert contacts.get_contact(db, first).name == "Old Timer"
    assert contacts.get_contact(db, newcomer).name == "New Comer"
    assert [h.to_key for h in moves.history(db, first)] == ["suspect", "inquiry"]
    assert [h.to_key for h in moves.history(db, newcomer)] == ["suspect"]


def test_deleting_many_contacts_round_trips(demo_db: Database) -> None:
    ids = contacts.query_ids(demo_db, ContactQuery(sort="created"), 0, 120)
    counts = contacts.count_by_stage(demo_db, ContactQuery())
    histories = {i: moves.history(demo_db, i) for i in ids}
    operations.delete_contacts(demo_db, ids)
    assert contacts.count(demo_db, ContactQuery()) == 300 - 120
    report = operations.undo_operation(demo_db).value
    assert sorted(report.contacts) == sorted(ids)
    assert contacts.count_by_stage(demo_db, ContactQuery()) == counts
    assert {i: moves.history(demo_db, i) for i in ids} == histories

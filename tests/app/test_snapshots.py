"""Undoable deletes: snapshot, delete, restore — everything comes back with the same ids."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from app import activities, contacts, moves, qualification
from app.contacts import ContactQuery
from app.snapshots import delete_with_snapshot, restore_contacts, snapshot_contacts
from db.engine import Database
from db.models import Contact, ImportBatch


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


def test_delete_and_restore_brings_back_row_history_activities_and_answers(db: Database) -> None:
    cid = _make(db)
    other = contacts.create_contact(db, name="Anna Becker", email="anna@example.org")
    before_row = _row(db, cid)
    before_history = moves.history(db, cid)
    before_acts = activities.list_activities(db, cid)
    before_bant = qualification.get_bant(db, cid)

    snap = delete_with_snapshot(db, [cid, 999_999])
    assert snap.contact_ids == (cid,)  # the unknown id is simply not part of it
    assert contacts.contact_exists(db, [cid]) == [cid]
    assert contacts.count(db, ContactQuery(search="Weißmann")) == 0
    assert contacts.contact_exists(db, [other]) == []  # only what was asked went

    assert restore_contacts(db, snap) == [cid]
    assert _row(db, cid) == before_row
    assert moves.history(db, cid) == before_history
    assert activities.list_activities(db, cid) == before_acts
    assert qualification.get_bant(db, cid).answers() == before_bant.answers()
    # the search index follows the restored row
    assert contacts.query_ids(db, ContactQuery(search="Weißmann")) == [cid]


def test_undo_of_a_move_still_works_after_delete_and_restore(db: Database) -> None:
    cid = contacts.create_contact(db, name="Ola Nord", email="ola@nord.se")
    result = moves.move_to_stage(db, [cid], "sql")
    restore_contacts(db, delete_with_snapshot(db, [cid]))
    undone = moves.undo_stage_changes(db, result.change_ids)
    assert undone is not None and undone.moved == (cid,)
    assert contacts.get_contact(db, cid).stage_key == "suspect"
    assert moves.history(db, cid)[-1].undone_at is not None


def test_a_deleted_contacts_id_is_never_handed_out_again(db: Database) -> None:
    first = contacts.create_contact(db, name="Old Timer", email="old@timer.de")
    moves.move_to_stage(db, [first], "inquiry")
    snap = delete_with_snapshot(db, [first])
    newcomer = contacts.create_contact(db, name="New Comer", email="new@comer.de")
    assert newcomer > first  # the freed id stays the deleted contact's

    (restored,) = restore_contacts(db, snap)
    assert restored == first
    assert contacts.get_contact(db, restored).name == "Old Timer"
    assert contacts.get_contact(db, newcomer).name == "New Comer"
    assert [h.to_key for h in moves.history(db, restored)] == ["suspect", "inquiry"]
    assert [h.to_key for h in moves.history(db, newcomer)] == ["suspect"]


def test_a_vanished_import_batch_is_dropped_from_the_restored_contact(db: Database) -> None:
    with db.session() as s:
        batch = ImportBatch(source="Fishbowl", created_at=datetime(2026, 3, 1))
        s.add(batch)
        s.flush()
        batch_id = batch.id
    cid = contacts.create_contact(db, name="Card Person", email="card@firm.de")
    with db.session() as s:
        c = s.get(Contact, cid)
        assert c is not None
        c.import_batch_id = batch_id
    snap = delete_with_snapshot(db, [cid])
    with db.session() as s:
        s.execute(delete(ImportBatch).where(ImportBatch.id == batch_id))
    restore_contacts(db, snap)
    with db.session() as s:
        assert s.scalar(select(Contact.import_batch_id).where(Contact.id == cid)) is None


def test_snapshot_of_many_contacts_round_trips(demo_db: Database) -> None:
    ids = contacts.query_ids(demo_db, ContactQuery(sort="created"), 0, 120)
    counts = contacts.count_by_stage(demo_db, ContactQuery())
    histories = {i: moves.history(demo_db, i) for i in ids}
    snap = snapshot_contacts(demo_db, ids)
    assert len(snap) == 120 and snap.rows_of("stage_changes")
    delete_with_snapshot(demo_db, ids)
    assert contacts.count(demo_db, ContactQuery()) == 300 - 120
    assert sorted(restore_contacts(demo_db, snap)) == sorted(ids)
    assert contacts.count_by_stage(demo_db, ContactQuery()) == counts
    assert {i: moves.history(demo_db, i) for i in ids} == histories

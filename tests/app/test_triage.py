"""Triage queues: untriaged Suspects and Inquiries, oldest first; import batches; marking."""

from __future__ import annotations

from datetime import datetime, timedelta

from app import activities, contacts, moves, triage
from app.contacts import ContactQuery
from db.engine import Database
from db.models import Contact, ImportBatch


def _at(days: int) -> datetime:
    return datetime(2026, 3, 1, 9, 0) + timedelta(days=days)


def test_untriaged_queue_is_suspects_and_inquiries_oldest_first(db: Database) -> None:
    newer = contacts.create_contact(db, name="Newer Suspect", at=_at(3))
    older = contacts.create_contact(db, name="Older Inquiry", stage="inquiry", at=_at(1))
    contacts.create_contact(db, name="Already Qualified", stage="mql", at=_at(0))
    decided = contacts.create_contact(db, name="Decided Suspect", at=_at(2))
    triage.mark_triaged(db, [decided])

    assert contacts.query_ids(db, triage.untriaged_query()) == [older, newer]
    assert contacts.count(db, ContactQuery(queue="untriaged")) == 2


def test_mark_and_clear_triaged(db: Database) -> None:
    a = contacts.create_contact(db, name="A Person")
    b = contacts.create_contact(db, name="B Person")
    assert triage.mark_triaged(db, [a]) == [a]
    # b is new, a was triaged already: only b must be reset to undo the second mark
    assert triage.mark_triaged(db, [a, b]) == [b]
    triage.clear_triaged(db, [b])
    assert contacts.get_contact(db, a).triaged_at is not None
    assert contacts.get_contact(db, b).triaged_at is None


def test_import_batches_listed_with_open_counts(db: Database) -> None:
    with db.session() as s:
        bowl = ImportBatch(source="Trade show: fishbowl", created_at=_at(5))
        old = ImportBatch(source=None, file_name="list.csv", created_at=_at(1))
        s.add_all([bowl, old])
        s.flush()
        bowl_id, old_id = bowl.id, old.id
    ids = [contacts.create_contact(db, name=f"Card {i}", at=_at(i)) for i in range(3)]
    other = contacts.create_contact(db, name="From list")
    with db.session() as s:
        for cid in ids:
            s.get(Contact, cid).import_batch_id = bowl_id  # type: ignore[union-attr]
        s.get(Contact, other).import_batch_id = old_id  # type: ignore[union-attr]
    triage.mark_triaged(db, [ids[0]])

    batches = triage.list_import_batches(db)
    assert [(b.id, b.label, b.contacts, b.untriaged) for b in batches] == [
        (bowl_id, "Trade show: fishbowl", 3, 2),
        (old_id, "list.csv", 1, 1),
    ]
    assert contacts.query_ids(db, triage.batch_query(bowl_id)) == ids
    assert contacts.query_ids(db, triage.batch_query(bowl_id, only_untriaged=True)) == ids[1:]


def test_triage_card_has_the_evidence(db: Database) -> None:
    cid = contacts.create_contact(
        db,
        name="Eva Stahl",
        email="eva@stahl-technik.de",
        company="Stahl Technik",
        stage="inquiry",
        notes="Asked for a quote",
    )
    activities.log_activity(db, cid, "demo-requested", note="via web form")
    moves.move_to_stage(db, [cid], "mql")
    card = triage.triage_card(db, cid)
    assert card.contact.notes == "Asked for a quote"
    assert [a.type for a in card.activities] == ["demo-requested"]
    assert [b.key for b in card.bant] == ["budget", "authority", "need", "timeframe"]
    assert all(b.answer == "unknown" for b in card.bant)
    assert [h.to_key for h in card.history] == ["inquiry", "mql"]

"""An import that carries an inquiry date (issue 12, item 1): the column is recognised (or
mapped by hand), and a contact with a date becomes an Inquiry, automatically and recorded, with
its response clock from that date; without a date it stays a Suspect; a date that cannot be
read is a warning and the text is kept."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from app import moves
from app.contacts import ContactQuery, get_contact, list_rows
from app.importing.batches import undo_import
from app.importing.mapping import FIELDS, guess_mapping
from app.importing.service import import_file
from app.metrics import compute_metrics
from app.timeutil import to_utc_naive
from db.engine import Database


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _by_name(db: Database) -> dict[str, object]:
    return {r.name: get_contact(db, r.id) for r in list_rows(db, ContactQuery())}


def test_an_inquiry_date_makes_an_inquiry_with_its_clock(db: Database, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "web-form.csv",
        "Name,E-mail,Company,Anfragedatum\n"
        "Anna Huber,anna@huber.at,Huber GmbH,2026-03-02 10:00\n"
        "Bob Plain,bob@plain.de,Plain AG,\n"
        "Cleo Odd,cleo@odd.fr,Odd SA,sometime in March\n",
    )
    report = import_file(db, path, source="Web form")
    assert report.batch_id is not None
    assert report.mapping["Anfragedatum"] == "received_at"
    assert report.imported == 3
    people = _by_name(db)
    anna, bob, cleo = people["Anna Huber"], people["Bob Plain"], people["Cleo Odd"]
    received = to_utc_naive(datetime(2026, 3, 2, 10, 0))  # a time without offset is local
    assert (anna.stage_key, anna.received_at) == ("inquiry", received)  # type: ignore[attr-defined]
    assert anna.response_due_at == received + timedelta(hours=24)  # type: ignore[attr-defined]
    last = moves.history(db, anna.id)[-1]  # type: ignore[attr-defined]
    assert (last.from_key, last.to_key, last.automatic) == ("suspect", "inquiry", True)
    assert (bob.stage_key, bob.received_at, bob.response_due_at) == ("suspect", None, None)  # type: ignore[attr-defined]
    assert cleo.stage_key == "suspect"  # type: ignore[attr-defined]
    assert any("sometime in March" in w.reason for w in report.warnings)
    # the whole import, the automatic moves with it, undoes in one step
    undo_import(db, report.batch_id)
    assert list_rows(db, ContactQuery()) == []


def test_the_inquiry_date_is_a_mapping_target(tmp_path: Path) -> None:
    assert "Inquiry date" in FIELDS["received_at"]
    guessed = guess_mapping(["E-Mail", "Inquiry date", "Date received", "Eingangsdatum"])
    assert guessed["Inquiry date"] == "received_at"


def test_the_automatic_move_is_dated_at_the_inquiry_not_at_the_import(
    db: Database, tmp_path: Path
) -> None:
    """A past inquiry date: the contact enters its first stage and becomes an Inquiry at that
    date (history in order, time in stage from then), counts in that month's inquiries and
    not in today's, and an untouched contact is still removed by undoing the import."""
    path = _write(
        tmp_path / "old-inquiries.csv",
        "Name,E-mail,Company,Inquiry date\n"
        "Anna Huber,anna@huber.at,Huber GmbH,2026-03-02 10:00\n"
        "Dora Worked,dora@worked.de,Worked AG,2026-03-20 09:00\n",
    )
    report = import_file(db, path, source="Web form")
    assert report.batch_id is not None
    people = _by_name(db)
    anna, dora = people["Anna Huber"], people["Dora Worked"]
    received = to_utc_naive(datetime(2026, 3, 2, 10, 0))
    entries = moves.history(db, anna.id)  # type: ignore[attr-defined]
    assert [(e.from_key, e.to_key) for e in entries] == [(None, "suspect"), ("suspect", "inquiry")]
    assert [e.at for e in entries] == [received, received]
    assert entries[-1].automatic
    assert anna.stage_changed_at == received  # type: ignore[attr-defined]
    march = compute_metrics(db, datetime(2026, 3, 1), datetime(2026, 4, 1))
    today = compute_metrics(db, datetime(2026, 11, 1), datetime(2027, 1, 1))
    assert (march.inquiries, today.inquiries) == (2, 0)
    # a later move of Dora is later work; Anna's automatic move is the import's own
    moves.move_to_stage(db, [dora.id], "mql")  # type: ignore[attr-defined]
    result = undo_import(db, report.batch_id)
    assert result.removed == (anna.id,)  # type: ignore[attr-defined]
    assert result.kept_with_later_work == (dora.id,)  # type: ignore[attr-defined]

"""An undone import can be redone (issue 11, item 11): Undo of an import (the log's entry or
``undo-import``) keeps what Redo needs, and Redo brings back the same contacts — same ids,
history, activities, points, the fields it had updated — or refuses when they changed since."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import operations
from app.commands.core import contact_json
from app.contacts import create_contact
from app.errors import WinnowError
from app.importing.batches import list_batches, undo_import
from app.importing.service import import_file
from db.engine import Database
from db.models import Contact
from tests.app.importing.test_contact_points import CARD

CSV = "First name,Last name,E-mail,Company\r\nAda,Lovelace,ada@example.org,Analytical\r\n"


def _files(tmp_path: Path) -> tuple[Path, Path]:
    cards = tmp_path / "cards.vcf"
    cards.write_text(CARD, encoding="utf-8")
    sheet = tmp_path / "more.csv"
    sheet.write_text(CSV, encoding="utf-8")
    return cards, sheet


def _everything(db: Database) -> dict[int, dict[str, Any]]:
    with db.session() as s:
        ids = list(s.scalars(select(Contact.id).order_by(Contact.id)))
    out = {}
    for cid in ids:
        data = contact_json(db, cid)
        for volatile in ("version", "changed_by", "updated_at"):
            data.pop(volatile, None)
        out[cid] = data
    return out


def test_undo_of_an_import_from_the_log_then_redo_brings_back_the_same_contacts(
    db: Database, tmp_path: Path
) -> None:
    cards, _ = _files(tmp_path)
    create_contact(db, first_name="Grace", last_name="Hopper", email="grace@example.org")
    import_file(db, cards)
    with_import = _everything(db)
    undone = operations.undo_operation(db)  # Edit ▸ Undo: the import
    assert len(_everything(db)) == 1
    assert undone.undo_state.redo is not None  # Edit ▸ Redo offers it
    assert "import" in undone.undo_state.redo.label
    operations.redo_operation(db)
    assert _everything(db) == with_import
    assert list_batches(db)[0].undone_at is None
    operations.undo_operation(db)  # and again: the same undo works a second time
    assert len(_everything(db)) == 1


def test_undo_import_then_winnow_redo_restores_updated_fields_too(
    db: Database, tmp_path: Path
) -> None:
    cards, sheet = _files(tmp_path)
    import_file(db, cards)
    before_second = _everything(db)
    # the second file creates Ada and fills Françoise's company (an update)
    sheet.write_text(
        CSV + "Françoise,Lefèvre,f.lefevre@example.fr,Lefèvre SARL\r\n", encoding="utf-8"
    )
    report = import_file(db, sheet, on_duplicate="fill")
    assert report.updated == 1
    with_second = _everything(db)
    assert report.batch_id is not None
    undo_import(db, report.batch_id)  # winnow undo-import
    assert _everything(db) == before_second
    operations.redo_operation(db)  # winnow redo
    assert _everything(db) == with_second


def test_new_work_after_the_undo_ends_the_redo_as_for_any_operation(
    db: Database, tmp_path: Path
) -> None:
    cards, _ = _files(tmp_path)
    import_file(db, cards)
    operations.undo_operation(db)
    grace = create_contact(db, first_name="Grace", email="grace@example.org")
    operations.edit_contact(db, grace, {"title": "Rear admiral"})
    with pytest.raises(WinnowError, match="nothing to redo"):
        operations.redo_operation(db)
    assert len(_everything(db)) == 1


def test_an_import_too_big_to_keep_is_dropped_with_a_clear_word(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.importing import batches

    cards, _ = _files(tmp_path)
    monkeypatch.setattr(batches, "REDO_LIMIT", 1)  # the two cards are "too many"
    import_file(db, cards)
    undone = operations.undo_operation(db)
    assert undone.undo_state.redo is None
    entry = operations.history(db, include_undone=True)[0]
    assert entry.state == "dropped"

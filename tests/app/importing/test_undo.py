"""Undoing an import batch: created contacts removed, changed fields restored, once only."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.contacts import ContactQuery, create_contact, get_contact, list_rows, update_contact
from app.errors import UsageError, WinnowError
from app.importing.batches import list_batches, undo_import
from app.importing.service import import_file
from app.moves import move_to_stage
from db.engine import Database
from tests.app.importing.service_fixtures import (
    BADGE_HEADERS,
    JURGEN_ROW,
    badge_list,
    contacts_table,
    counts,
    write_csv,
)


def _mixed_file(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "mixed.csv",
        BADGE_HEADERS,
        [
            JURGEN_ROW,
            [
                "Françoise",
                "Lefèvre",
                "f.lefevre@exemple-industrie.fr",
                "Exemple Industrie SAS",
                "Directrice",
                "",
                "Lyon",
            ],
            ["Ayşe", "Öztürk", "", "Öztürk Makina A.Ş.", "", "", "İstanbul"],
        ],
    )


@pytest.mark.parametrize("policy", ["skip", "fill", "overwrite"])
def test_undo_restores_the_database_to_before_the_import(
    db: Database, tmp_path: Path, policy: str
) -> None:
    create_contact(
        db,
        first_name="Jürgen",
        last_name="Weissmann",
        email="J.Weissmann@acme-maschinen.de",
        title="Einkauf",
        stage="mql",
    )
    create_contact(db, first_name="Anna", last_name="Müller", email="anna@kunde.de")
    before = contacts_table(db)
    stage_changes = counts(db)["stage_changes"]
    report = import_file(db, _mixed_file(tmp_path), on_duplicate=policy)
    assert report.imported == 2 and report.updated == (0 if policy == "skip" else 1)
    assert report.batch_id is not None
    result = undo_import(db, report.batch_id)
    assert len(result.removed) == 2 and result.kept == ()
    assert contacts_table(db) == before
    assert counts(db)["stage_changes"] == stage_changes
    assert list_batches(db)[0].undone


def test_overwritten_fields_come_back(db: Database, tmp_path: Path) -> None:
    known = create_contact(
        db,
        first_name="Jürgen",
        last_name="Weissmann",
        email="j.weissmann@acme-maschinen.de",
        title="Einkauf",
    )
    report = import_file(db, _mixed_file(tmp_path), on_duplicate="overwrite")
    after = get_contact(db, known)
    assert (after.last_name, after.name, after.title) == (
        "Weißmann",
        "Jürgen Weißmann",
        "Werkleiter",
    )
    assert report.batch_id is not None
    undo_import(db, report.batch_id)
    back = get_contact(db, known)
    assert (back.last_name, back.name, back.title, back.company) == (
        "Weissmann",
        "Jürgen Weissmann",
        "Einkauf",
        None,
    )
    assert back.stage_key == "suspect"


def test_a_field_changed_after_the_import_keeps_its_new_value(db: Database, tmp_path: Path) -> None:
    known = create_contact(
        db, first_name="Jürgen", last_name="Weißmann", email="j.weissmann@acme-maschinen.de"
    )
    report = import_file(db, _mixed_file(tmp_path), on_duplicate="fill")
    update_contact(db, known, title="Geschäftsführer")  # the user corrected it afterwards
    assert report.batch_id is not None
    result = undo_import(db, report.batch_id)
    assert result.kept == (known,)
    c = get_contact(db, known)
    assert c.title == "Geschäftsführer"  # the user's edit stays
    assert c.company is None and c.phone is None  # what the import filled is gone


def test_contacts_worked_on_after_the_import_are_named_and_kept(
    db: Database, tmp_path: Path
) -> None:
    from app import activities, qualification
    from app.importing.batches import preview_undo_import

    report = import_file(db, badge_list(tmp_path / "badges.csv"))
    ids = sorted(r.id for r in list_rows(db, ContactQuery()))
    assert report.batch_id is not None and len(ids) == 3
    move_to_stage(db, [ids[0]], "sql")
    activities.log_activity(db, ids[1], "meeting", note="stand visit")
    qualification.set_bant(db, ids[1], {"budget": "yes"})
    preview = preview_undo_import(db, report.batch_id)
    assert preview.with_later_work == tuple(ids[:2])
    assert preview.untouched == (ids[2],)
    assert preview.warning.startswith("2 contacts of this import have later")

    result = undo_import(db, report.batch_id)
    assert result.kept_with_later_work == tuple(ids[:2])
    assert list(result.removed) == ids[2:]
    assert sorted(r.id for r in list_rows(db, ContactQuery())) == ids[:2]
    assert "kept 2 with later activities" in result.summary
    # what was done to them is still there
    assert get_contact(db, ids[0]).stage_key == "sql"
    assert [a.note for a in activities.list_activities(db, ids[1])] == ["stand visit"]


def test_undo_including_later_work_removes_everything(db: Database, tmp_path: Path) -> None:
    report = import_file(db, badge_list(tmp_path / "badges.csv"))
    ids = [r.id for r in list_rows(db, ContactQuery())]
    move_to_stage(db, ids[:2], "inquiry")
    assert report.batch_id is not None
    undo_import(db, report.batch_id, including_later_work=True)
    assert counts(db)["contacts"] == 0 and counts(db)["stage_changes"] == 0


def test_undo_twice_is_a_clear_error(db: Database, tmp_path: Path) -> None:
    report = import_file(db, badge_list(tmp_path / "badges.csv"))
    assert report.batch_id is not None
    undo_import(db, report.batch_id)
    with pytest.raises(WinnowError, match="already undone"):
        undo_import(db, report.batch_id)
    with pytest.raises(UsageError, match="no import batch"):
        undo_import(db, 999)


def test_reimport_after_undo_imports_again(db: Database, tmp_path: Path) -> None:
    path = badge_list(tmp_path / "badges.csv")
    first = import_file(db, path)
    assert first.batch_id is not None
    undo_import(db, first.batch_id)
    assert import_file(db, path).imported == 3


def test_cli_undo_import(
    db: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = import_file(db, badge_list(tmp_path / "badges.csv"))
    assert main(["undo-import", str(report.batch_id), "--db", db_url]) == 0
    assert "removed 3 contacts" in capsys.readouterr().out
    assert main(["undo-import", str(report.batch_id), "--db", db_url]) == 1
    err = capsys.readouterr().err
    assert "already undone" in err and err.count("\n") == 1
    assert main(["undo-import", "4711", "--db", db_url]) == 1  # no such batch
    assert main(["imports", "--db", db_url]) == 0
    assert "(undone)" in capsys.readouterr().out

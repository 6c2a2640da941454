"""``winnow history``, ``winnow undo``, ``winnow redo`` and ``winnow undo-import``: the undo log
the window uses, from the command line (in this process and as a real second process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import activities, contacts, operations
from app.cli import main
from app.importing.service import import_file
from db.engine import Database, open_database
from tests.app.importing.service_fixtures import badge_list
from tests.app.test_cli import winnow


def _run(capsys: pytest.CaptureFixture[str], db_url: str, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--db", db_url])
    out, err = capsys.readouterr()
    return code, out, err


def _people(db: Database, n: int) -> list[int]:
    return [contacts.create_contact(db, first_name=f"P{i}", last_name="Cli") for i in range(n)]


def _stage(db_url: str, cid: int) -> str:
    db = open_database(db_url)
    try:
        return contacts.get_contact(db, cid).stage_key
    finally:
        db.close()


def test_history_undo_and_redo(
    db: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, db_url, "history")
    assert (code, out) == (0, "Nothing to undo.\n")
    a, b, c = _people(db, 3)
    moved = operations.move_contacts(db, [a, b, c], "mql")
    edited = operations.edit_contact(db, a, {"title": "Buyer"})
    db.close()

    code, out, _ = _run(capsys, db_url, "history", "--json")
    log = json.loads(out)
    assert code == 0
    assert [(e["id"], e["kind"], e["contacts"], e["state"]) for e in log] == [
        (edited.operation_id, "edit", 1, "done"),
        (moved.operation_id, "move", 3, "done"),
    ]
    assert log[1]["what"] == "move of 3 contacts to Marketing qualified"
    assert log[0]["at"].endswith("+00:00") and log[0]["undone_at"] is None
    code, out, _ = _run(capsys, db_url, "history")
    lines = out.splitlines()
    assert len(lines) == 2 and "3 contacts" in lines[1] and lines[1].endswith(log[1]["what"])

    code, out, _ = _run(capsys, db_url, "undo")
    assert code == 0 and out.startswith(f"Undid edit of P0 Cli (operation {edited.operation_id})")
    code, out, _ = _run(capsys, db_url, "undo", "--json")
    done = json.loads(out)
    assert done["id"] == moved.operation_id and sorted(done["contacts"]) == [a, b, c]
    assert done["left_alone"] == []
    assert [_stage(db_url, x) for x in (a, b, c)] == ["suspect"] * 3

    code, _, err = _run(capsys, db_url, "undo")
    assert code == 1 and err.strip().endswith("nothing to undo") and err.count("\n") == 1
    code, out, _ = _run(capsys, db_url, "history", "--all")
    assert out.count("(undone)") == 2

    code, out, _ = _run(capsys, db_url, "redo")
    assert code == 0 and out.startswith("Redid move of 3 contacts to Marketing qualified")
    assert [_stage(db_url, x) for x in (a, b, c)] == ["mql"] * 3
    code, out, _ = _run(capsys, db_url, "redo", "--json")
    assert json.loads(out)["id"] == edited.operation_id
    code, _, err = _run(capsys, db_url, "redo")
    assert code == 1 and "nothing to redo" in err


def test_undo_refuses_with_the_count_and_force_leaves_them(
    db: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b, c = _people(db, 3)
    first = operations.move_contacts(db, [a, b, c], "inquiry")
    operations.move_contacts(db, [b, c], "sql")
    db.close()
    op = str(first.operation_id)

    code, _, err = _run(capsys, db_url, "undo", op)
    assert code == 1
    assert "2 contacts of this operation were moved, changed or deleted since" in err
    assert "--force" in err and err.count("\n") == 1
    assert _stage(db_url, a) == "inquiry"
    code, out, err = _run(capsys, db_url, "undo", op, "--json")
    assert code == 1
    assert json.loads(out)["conflicting_contacts"] == [b, c]

    code, out, _ = _run(capsys, db_url, "undo", op, "--force")
    assert code == 0
    assert "2 contacts changed since were left as they are." in out
    assert [_stage(db_url, x) for x in (a, b, c)] == ["suspect", "sql", "sql"]


def test_unknown_operation_is_a_runtime_error(
    db: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Well formed, but the log has no such operation: exit 1 (README, Exit codes)."""
    db.close()
    code, _, err = _run(capsys, db_url, "undo", "4711")
    assert code == 1 and "no operation 4711" in err
    code, _, err = _run(capsys, db_url, "redo", "4711")
    assert code == 1


def test_the_window_s_log_is_the_command_line_s(db: Database, db_url: str) -> None:
    """Operations made by one program (here: this process) undo and redo from another."""
    (a,) = _people(db, 1)
    operations.move_contacts(db, [a], "sql")
    operations.log_activity(db, a, "meeting", note="on site")
    db.close()
    result = winnow("move", str(a), "nurture", db=db_url, check=True)  # logged as well
    assert "nurture" in result.stdout.lower() or result.stdout
    log = json.loads(winnow("history", "--json", db=db_url, check=True).stdout)
    assert [e["kind"] for e in log] == ["move", "activity", "move"]
    winnow("undo", db=db_url, check=True)
    winnow("undo", db=db_url, check=True)
    assert _stage(db_url, a) == "sql"
    db = open_database(db_url)
    try:
        assert activities.list_activities(db, a) == []
        operations.redo_operation(db)  # the activity, back from this process
        assert [x.note for x in activities.list_activities(db, a)] == ["on site"]
    finally:
        db.close()
    out = json.loads(winnow("redo", "--json", db=db_url, check=True).stdout)
    assert out["what"].startswith("move of 1 contact to")
    assert _stage(db_url, a) == "nurture"


# --- undoing an import with later work ----------------------------------------------------------


def _imported(db: Database, tmp_path: Path) -> tuple[int, list[int]]:
    report = import_file(db, badge_list(tmp_path / "badges.csv"))
    assert report.batch_id is not None and report.imported == 3
    ids = sorted(r.id for r in contacts.list_rows(db, contacts.ContactQuery()))
    return report.batch_id, ids


def test_undo_import_keeps_contacts_with_later_work_and_names_them(
    db: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch, ids = _imported(db, tmp_path)
    operations.move_contacts(db, [ids[0]], "sql")
    operations.set_bant(db, ids[1], {"budget": "yes"})
    db.close()
    code, out, _ = _run(capsys, db_url, "undo-import", str(batch))
    assert code == 0
    assert "removed 1 contact" in out and "kept 2 with later" in out
    assert f"(ids {ids[0]}, {ids[1]})" in out and "--including-later-work" in out
    db = open_database(db_url)
    try:
        assert sorted(r.id for r in contacts.list_rows(db, contacts.ContactQuery())) == ids[:2]
        assert contacts.get_contact(db, ids[0]).stage_key == "sql"  # their work stays
        # the moves and answers after the import undo as usual
        operations.undo_operation(db)
        operations.undo_operation(db)
        assert contacts.get_contact(db, ids[0]).stage_key == "suspect"
    finally:
        db.close()


def test_undo_import_including_later_work_removes_them_all(
    db: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch, ids = _imported(db, tmp_path)
    operations.log_activity(db, ids[2], "meeting")
    db.close()
    code, out, _ = _run(
        capsys, db_url, "undo-import", str(batch), "--including-later-work", "--json"
    )
    assert code == 0
    result = json.loads(out)
    assert sorted(result["removed"]) == ids and result["kept_with_later_work"] == []
    db = open_database(db_url)
    try:
        assert contacts.list_rows(db, contacts.ContactQuery()) == []
        # the activity's log entry now has nothing to undo: it refuses rather than fail
        with pytest.raises(operations.UndoConflict):
            operations.undo_operation(db)
        new = import_file(db, badge_list(tmp_path / "again.csv"))
        assert new.imported == 3
        again = sorted(r.id for r in contacts.list_rows(db, contacts.ContactQuery()))
        assert min(again) > max(ids)  # ids are never reused
    finally:
        db.close()


def test_winnow_undo_of_an_import_is_undo_import(
    db: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, ids = _imported(db, tmp_path)
    operations.log_activity(db, ids[0], "call")
    log = operations.history(db)
    assert [e.kind for e in log] == ["activity", "import"]
    assert log[1].contacts == 3
    db.close()
    code, out, _ = _run(capsys, db_url, "undo", str(log[1].id))
    assert code == 0
    assert "removed 2 contacts" in out and "kept 1 with later" in out
    assert "1 contact changed since was left as it is." in out
    db = open_database(db_url)
    try:
        assert [r.id for r in contacts.list_rows(db, contacts.ContactQuery())] == [ids[0]]
        assert operations.history(db)[0].id == log[0].id  # the call is still undoable
    finally:
        db.close()
    # an undone import can be redone: the removed contacts come back with their ids
    code, _, err = _run(capsys, db_url, "redo", str(log[1].id))
    assert code == 0, err
    db = open_database(db_url)
    try:
        assert sorted(r.id for r in contacts.list_rows(db, contacts.ContactQuery())) == ids
    finally:
        db.close()


def test_winnow_undo_force_of_an_import_removes_the_later_work_too(
    db: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, ids = _imported(db, tmp_path)
    operations.move_contacts(db, ids[:2], "mql")
    import_op = operations.history(db)[1]
    assert import_op.kind == "import"
    db.close()
    code, _, err = _run(capsys, db_url, "undo", str(import_op.id), "--force", "--json")
    assert code == 0, err
    db = open_database(db_url)
    try:
        assert contacts.list_rows(db, contacts.ContactQuery()) == []
        with pytest.raises(operations.UndoConflict, match="2 contacts"):
            operations.undo_operation(db)  # the move: its contacts are gone
    finally:
        db.close()

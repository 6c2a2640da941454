"""Triage mode from the keyboard: one key per decision, each one operation on the window's
writer (the move with its history, and marking the contact triaged) undone in one step; the
queue advances once the decision has committed and shows its progress."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from app import contacts, moves, operations
from db import engine
from db.engine import Database
from db.models import Contact, ImportBatch
from tests.ui.board_helpers import triage_of, warnings_shown, writes_by_thread
from tests.ui.conftest import _shown_window
from tests.ui.gate_helpers import qualify

pytestmark = pytest.mark.gui
__all__ = ["warnings_shown"]  # fixture used by the tests below

CTRL = Qt.KeyboardModifier.ControlModifier
NAMES = ["Ada Suspect", "Ben Inquiry", "Cem Suspect", "Dora Inquiry", "Eli Suspect"]


@pytest.fixture
def people(db: Database) -> list[int]:
    start = datetime(2026, 3, 2, 9, 0)
    ids = []
    for i, name in enumerate(NAMES):
        stage = "inquiry" if "Inquiry" in name else "suspect"
        ids.append(
            contacts.create_contact(
                db,
                name=name,
                stage=stage,
                email=f"{name.split()[0].lower()}@firm{i}.de",
                company=f"Firm {i}",
                at=start + timedelta(hours=i),
            )
        )
    contacts.create_contact(db, name="Old Customer", stage="customer", at=start)
    return ids


@pytest.fixture
def triage(qtbot: Any, db: Database, people: list[int]) -> Iterator[Any]:
    shown = _shown_window(qtbot, db)
    win = next(shown)
    win.show_view("triage")
    view = triage_of(win)
    qtbot.waitUntil(view.hasFocus, timeout=3000)
    # the card's tasks come from a worker, and the column takes the card's new height an event
    # round later: the tests click into the card as it is then
    win.tasks.wait(10000)
    QApplication.processEvents()  # their answers
    card = view.card
    qtbot.waitUntil(lambda: card.height() >= card.heightForWidth(card.width()), timeout=3000)
    yield view
    next(shown, None)  # its writer and workers drained
    win.close()


def _pick_reason(dialog: Any, key: Qt.Key) -> None:
    dialog.list.setFocus()
    QTest.keyClick(dialog, key)


def _stage(view: Any, cid: int) -> str:
    return contacts.get_contact(view.db, cid).stage_key


def _key(view: Any, key: Any, mods: Any = Qt.KeyboardModifier.NoModifier) -> None:
    """Press a key where the focus is, then wait until what it asked for has committed."""
    QTest.keyClick(view.focusWidget() or view, key, mods)
    _settle(view)


def _settle(view: Any) -> None:
    """settle() for the view's window: what the keys queued has committed and been heard."""
    deadline = time.monotonic() + 10
    # the writer, then the reads its notice started on workers (the queue follows an undo
    # by reading on a worker, and shows the undone contact when that read is back)
    while (view.api.ops.busy or view.api.tasks.active) and time.monotonic() < deadline:
        QTest.qWait(5)
    assert not view.api.ops.busy
    QTest.qWait(1)


def _undo_text(view: Any) -> str:
    return str(view.api.undo_action.text())


def test_the_window_keeps_the_triage_feature(triage: Any) -> None:
    assert triage.api.triage.view is triage


def test_the_queue_is_untriaged_suspects_and_inquiries_oldest_first(
    triage: Any, people: list[int]
) -> None:
    assert triage.ids == people
    assert triage.card.name.text() == "Ada Suspect"
    assert triage.progress_label.text() == "1 of 5"
    assert not triage.api.sidebar.isVisible() and not triage.api.detail.isVisible()
    legend = [w.text() for w in triage.legend.findChildren(type(triage.progress_label))]
    for expected in (
        "1",
        "Suspect",
        "3",
        "Marketing qualified",
        "N",
        "Nurture",
        "D",
        "Space/J",
        "K",
        "S",
        "Ctrl+Z",
        "B",
        "Answer BANT",
        "O",
        "Esc",
    ):
        assert expected in legend


def test_number_keys_move_mark_triaged_and_advance(triage: Any, people: list[int]) -> None:
    _key(triage, Qt.Key.Key_3)
    assert _stage(triage, people[0]) == "mql"
    assert contacts.get_contact(triage.db, people[0]).triaged_at is not None
    assert moves.history(triage.db, people[0])[-1].to_key == "mql"
    assert triage.card.name.text() == "Ben Inquiry"
    assert triage.progress_label.text().startswith("2 of 5")
    assert _undo_text(triage) == "&Undo triage of 1 contact to Marketing qualified"
    _key(triage, Qt.Key.Key_2)  # Ben is an Inquiry already: kept, but triaged
    assert _stage(triage, people[1]) == "inquiry"
    assert contacts.get_contact(triage.db, people[1]).triaged_at is not None
    assert _undo_text(triage) == "&Undo triage of 1 contact"
    _key(triage, Qt.Key.Key_N)
    assert _stage(triage, people[2]) == "nurture"
    assert triage.card.name.text() == "Dora Inquiry"


def test_d_then_a_digit_disqualifies_at_once_with_that_reason(
    triage: Any, people: list[int]
) -> None:
    _key(triage, Qt.Key.Key_D)
    assert triage.reasons_open(), "D opens the reason bar in the view (no dialog)"
    assert "Why disqualify Ada Suspect?" in triage.reasons.title.text()
    assert triage.legend.shown_keys()[:3] == ["1–8", "0", "Esc"]
    assert _stage(triage, people[0]) == "suspect" and operations.history(triage.db) == []
    _key(triage, Qt.Key.Key_6)  # no Enter: the digit decides
    last = moves.history(triage.db, people[0])[-1]
    assert (last.to_key, last.reason) == ("disqualified", "Student or job seeker")
    assert contacts.get_contact(triage.db, people[0]).triaged_at is not None
    assert not triage.reasons_open()
    assert triage.card.name.text() == "Ben Inquiry"
    assert "D" in triage.legend.shown_keys() and "1–8" not in triage.legend.shown_keys()
    _key(triage, Qt.Key.Key_1)  # the bar is closed: a digit is a stage again
    assert _stage(triage, people[1]) == "suspect"


def test_esc_closes_the_reason_bar_and_another_key_decides_otherwise(
    triage: Any, people: list[int]
) -> None:
    _key(triage, Qt.Key.Key_D)
    _key(triage, Qt.Key.Key_Escape)  # closes the bar, does not leave triage
    assert not triage.reasons_open() and triage.api.current_view_key() == "triage"
    assert _stage(triage, people[0]) == "suspect" and operations.history(triage.db) == []
    assert triage.card.name.text() == "Ada Suspect"
    _key(triage, Qt.Key.Key_D)
    _key(triage, Qt.Key.Key_N)  # changed one's mind: Nurture
    assert not triage.reasons_open()
    assert _stage(triage, people[0]) == "nurture"
    assert triage.card.name.text() == "Ben Inquiry"


def test_d_then_0_types_another_reason(triage: Any, people: list[int], qtbot: Any) -> None:
    _key(triage, Qt.Key.Key_D)
    _key(triage, Qt.Key.Key_0)
    field = triage.reasons.other
    assert field.hasFocus()
    qtbot.keyClicks(field, "Met at a competitor's booth 2")  # letters and digits type
    assert _stage(triage, people[0]) == "suspect"
    _key(triage, Qt.Key.Key_Return)
    last = moves.history(triage.db, people[0])[-1]
    assert (last.to_key, last.reason) == ("disqualified", "Met at a competitor's booth 2")
    assert triage.hasFocus() and triage.card.name.text() == "Ben Inquiry"


def test_a_fast_d_and_digit_typed_while_saving_apply_to_the_next_contact(
    triage: Any, people: list[int], qtbot: Any
) -> None:
    QTest.keyClick(triage, Qt.Key.Key_3)
    QTest.keyClick(triage.focusWidget() or triage, Qt.Key.Key_D)
    QTest.keyClick(triage.focusWidget() or triage, Qt.Key.Key_1)
    _settle(triage)
    qtbot.waitUntil(lambda: triage.card.name.text() == "Cem Suspect", timeout=5000)
    assert _stage(triage, people[0]) == "mql"
    last = moves.history(triage.db, people[1])[-1]
    assert (last.to_key, last.reason) == ("disqualified", "No budget")


def test_ctrl_z_undoes_the_decision_and_shows_the_contact_again(
    triage: Any, people: list[int]
) -> None:
    qualify(triage.db, people[:2])  # the gates let them through
    _key(triage, Qt.Key.Key_4)
    _key(triage, Qt.Key.Key_5)
    assert _stage(triage, people[1]) == "opportunity"
    assert triage.card.name.text() == "Cem Suspect"
    _key(triage, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the window's Undo
    assert _stage(triage, people[1]) == "inquiry"
    assert contacts.get_contact(triage.db, people[1]).triaged_at is None
    assert moves.history(triage.db, people[1])[-1].undone_at is not None
    assert triage.card.name.text() == "Ben Inquiry"
    triage.api.undo_action.trigger()
    _settle(triage)
    assert _stage(triage, people[0]) == "suspect"
    assert triage.card.name.text() == "Ada Suspect"
    triage.api.redo_action.trigger()
    _settle(triage)
    assert _stage(triage, people[0]) == "sql"
    assert contacts.get_contact(triage.db, people[0]).triaged_at is not None
    assert triage.card.name.text() == "Ben Inquiry"


def test_a_decision_is_one_operation_undone_in_one_step(triage: Any, people: list[int]) -> None:
    before = contacts.get_contact(triage.db, people[0])
    _key(triage, Qt.Key.Key_3)
    log = operations.history(triage.db)
    assert [(e.kind, e.label, e.contacts) for e in log] == [
        ("triage", "triage of 1 contact to Marketing qualified", 1)
    ]
    _key(triage, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    after = contacts.get_contact(triage.db, people[0])
    assert (after.stage_key, after.triaged_at) == ("suspect", None), "stage and triage, together"
    assert after.stage_key == before.stage_key
    assert operations.history(triage.db) == [], "nothing left to undo: it was one step"
    assert triage.card.name.text() == "Ada Suspect"
    triage.fill_queues()
    assert "(5 to triage)" in triage.queue_combo.itemText(0)


def test_a_decision_that_fails_says_so_and_stays_on_the_contact(
    triage: Any,
    people: list[int],
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
    warnings_shown: list[tuple[str, str]],
) -> None:
    import sqlite3

    from db.engine import sqlite_path

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_S", 0.2)
    triage.db.engine.dispose()  # connections opened from now on give up after 0.2 s
    path = sqlite_path(str(triage.db.engine.url))
    assert path is not None
    other = sqlite3.connect(path, timeout=0.1)
    other.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
    try:
        QTest.keyClick(triage, Qt.Key.Key_3)
        QTest.keyClick(triage, Qt.Key.Key_1)  # typed while the 3 was being saved: dropped
        _settle(triage)
    finally:
        other.rollback()
        other.close()
    assert len(warnings_shown) == 1 and warnings_shown[0][0] == "Decision not saved"
    assert "locked" in warnings_shown[0][1]
    assert triage.card.name.text() == "Ada Suspect", "the queue did not go on"
    assert triage.progress_label.text().startswith("1 of 5")
    ada = contacts.get_contact(triage.db, people[0])
    assert (ada.stage_key, ada.triaged_at) == ("suspect", None)
    assert operations.history(triage.db) == []
    _key(triage, Qt.Key.Key_3)  # the lock is gone: the same key works now
    assert _stage(triage, people[0]) == "mql"
    assert triage.card.name.text() == "Ben Inquiry"


def test_keys_typed_while_a_decision_is_saved_apply_to_the_next_contacts(
    triage: Any, people: list[int], qtbot: Any
) -> None:
    view = triage
    QTest.keyClick(view, Qt.Key.Key_3)  # no waiting in between: a fast typist
    QTest.keyClick(view, Qt.Key.Key_N)
    QTest.keyClick(view, Qt.Key.Key_Space)
    QTest.keyClick(view, Qt.Key.Key_1)
    _settle(view)
    qtbot.waitUntil(lambda: view.card.name.text() == "Eli Suspect", timeout=5000)
    assert [_stage(view, c) for c in people[:4]] == ["mql", "nurture", "suspect", "suspect"]
    assert contacts.get_contact(view.db, people[2]).triaged_at is None, "Space passed Cem by"
    assert contacts.get_contact(view.db, people[3]).triaged_at is not None
    assert len(operations.history(view.db)) == 3


def test_a_decision_writes_nothing_on_the_gui_thread(triage: Any, people: list[int]) -> None:
    with writes_by_thread(triage.db) as writes:
        _key(triage, Qt.Key.Key_3)
        _key(triage, Qt.Key.Key_2)
        _key(triage, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert writes.workers, "the decisions and the undo were written (on the writer thread)"
    assert writes.gui == []
    assert _stage(triage, people[0]) == "mql" and triage.card.name.text() == "Ben Inquiry"


def test_next_previous_and_skip(triage: Any, people: list[int]) -> None:
    _key(triage, Qt.Key.Key_Space)
    assert triage.card.name.text() == "Ben Inquiry"
    _key(triage, Qt.Key.Key_J)
    assert triage.card.name.text() == "Cem Suspect"
    _key(triage, Qt.Key.Key_K)
    assert triage.card.name.text() == "Ben Inquiry"
    _key(triage, Qt.Key.Key_S)  # decide later: Ben goes to the end of the queue
    assert triage.card.name.text() == "Cem Suspect"
    assert triage.ids[-1] == people[1]
    assert all(contacts.get_contact(triage.db, c).triaged_at is None for c in people)
    assert operations.history(triage.db) == []


def test_the_whole_queue_from_the_keyboard_then_done(triage: Any, people: list[int]) -> None:
    for key in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_N, Qt.Key.Key_1):
        _key(triage, key)
    assert triage.pages.currentIndex() == 1
    assert triage.done_title.text() == "All done"
    assert [_stage(triage, c) for c in people] == [
        "suspect",
        "inquiry",
        "mql",
        "nurture",
        "suspect",
    ]
    triage.fill_queues()
    assert "(0 to triage)" in triage.queue_combo.itemText(0)


def test_pace_is_shown_once_there_is_one(triage: Any) -> None:
    triage.decisions = [100.0, 110.0, 120.0, 130.0]
    triage._update_progress()
    assert triage.progress_label.text() == "1 of 5 — 6 per minute"


def test_an_import_batch_as_the_queue(triage: Any, people: list[int]) -> None:
    with triage.db.session() as s:
        batch = ImportBatch(source="Fishbowl Hannover", created_at=datetime(2026, 3, 3))
        s.add(batch)
        s.flush()
        for cid in people[2:4]:
            s.get(Contact, cid).import_batch_id = batch.id  # type: ignore[union-attr]
        batch_id = batch.id
    triage.fill_queues()
    index = triage.queue_combo.findData(f"batch:{batch_id}")
    assert "Fishbowl Hannover (2 of 2 to triage)" in triage.queue_combo.itemText(index)
    triage.queue_combo.setCurrentIndex(index)
    triage.load_queue()
    assert triage.ids == people[2:4]
    assert triage.card.name.text() == "Cem Suspect"


def test_the_queue_list_follows_imports(triage: Any, people: list[int], qtbot: Any) -> None:
    from app.operations import Changes

    with triage.db.session() as s:
        batch = ImportBatch(source="Badge scanner", created_at=datetime(2026, 3, 3))
        s.add(batch)
        s.flush()
        s.get(Contact, people[0]).import_batch_id = batch.id  # type: ignore[union-attr]
        batch_id = batch.id
    assert triage.queue_combo.findData(f"batch:{batch_id}") == -1
    triage.api.ops.announce(Changes(imports=True))  # e.g. the wizard's import finished
    qtbot.waitUntil(lambda: triage.queue_combo.findData(f"batch:{batch_id}") > 0, timeout=5000)
    index = triage.queue_combo.findData(f"batch:{batch_id}")
    assert index > 0 and "Badge scanner (1 of 1 to triage)" in triage.queue_combo.itemText(index)
    assert triage.card.name.text() == "Ada Suspect", "the queue being worked on stays"


def test_esc_leaves_and_gives_the_panels_back(triage: Any) -> None:
    _key(triage, Qt.Key.Key_Escape)
    window = triage.api
    assert window.current_view_key() == "list"
    assert window.sidebar.isVisible() and window.detail.isVisible()


def test_user_text_is_plain(triage: Any, people: list[int]) -> None:
    contacts.update_contact(
        triage.db, people[0], notes="<b>bold</b> & <i>x</i>", company="<script>Acme</script>"
    )
    triage.show_current()
    assert triage.card.notes.body.itemAt(0).widget().text() == "<b>bold</b> & <i>x</i>"
    assert triage.card.notes.body.itemAt(0).widget().textFormat() == Qt.TextFormat.PlainText
    assert "<script>Acme</script>" in triage.card.subtitle.text()


def _bant(view: Any, cid: int) -> dict[str, str]:
    from app.qualification import get_bant

    return get_bant(view.db, cid).answers()


def test_b_answers_bant_from_the_keyboard_and_ctrl_z_undoes_it(
    triage: Any, people: list[int], qtbot: Any
) -> None:
    ada = people[0]
    editor = triage.card.bant_editor
    assert "B" in triage.legend.shown_keys() and "Y" not in triage.legend.shown_keys()
    _key(triage, Qt.Key.Key_B)
    assert editor.hasFocus(), "B gives the keys to the BANT editor"
    assert triage.legend.shown_keys()[:3] == ["Y", "N", "U"]
    assert "Answering" in triage.card.bant_hint.text()
    _key(triage, Qt.Key.Key_Y)  # Budget: yes
    assert _bant(triage, ada)["budget"] == "yes"
    assert editor.answers()["budget"] == "yes"
    _key(triage, Qt.Key.Key_Down)
    _key(triage, Qt.Key.Key_N)  # Authority: no — not Nurture
    assert _bant(triage, ada)["authority"] == "no"
    _key(triage, Qt.Key.Key_3)  # no decision while BANT has the keys
    assert _stage(triage, ada) == "suspect"
    assert triage.card.name.text() == "Ada Suspect"
    assert contacts.get_contact(triage.db, ada).triaged_at is None
    assert _undo_text(triage) == "&Undo qualification of Ada Suspect"

    _key(triage, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Z works here too
    assert _bant(triage, ada)["authority"] == "unknown"
    qtbot.waitUntil(lambda: editor.answers()["authority"] == "unknown", timeout=3000)
    _key(triage, Qt.Key.Key_Escape)  # the keys go back to triage; Esc does not leave
    assert triage.hasFocus() and triage.api.current_view_key() == "triage"
    assert "B" in triage.legend.shown_keys()
    _key(triage, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _bant(triage, ada)["budget"] == "unknown"
    qtbot.waitUntil(lambda: editor.answers()["budget"] == "unknown", timeout=3000)
    assert triage.card.name.text() == "Ada Suspect"

    _key(triage, Qt.Key.Key_B)
    _key(triage, Qt.Key.Key_Y)
    _key(triage, Qt.Key.Key_Return)  # Enter gives the keys back as well
    assert triage.hasFocus()
    _key(triage, Qt.Key.Key_3)
    assert _stage(triage, ada) == "mql"
    assert _bant(triage, ada)["budget"] == "yes"
    assert triage.card.name.text() == "Ben Inquiry"
    assert editor.contact_id == people[1] and editor.answers()["budget"] == "unknown"


def test_a_bant_note_is_written_and_enter_or_esc_give_the_keys_back(
    triage: Any, people: list[int], qtbot: Any
) -> None:
    editor = triage.card.bant_editor
    note = _note_field(editor)
    qtbot.mouseClick(note, Qt.MouseButton.LeftButton)
    assert note.hasFocus()
    qtbot.keyClicks(note, "ok 50k")  # letters type into the note: N does not nurture
    assert _stage(triage, people[0]) == "suspect" and note.text() == "ok 50k"
    _key(triage, Qt.Key.Key_Return)
    assert _bant_note(triage, people[0]) == "ok 50k"
    assert triage.hasFocus(), "Enter saves the note and gives the keys back to triage"
    note = _note_field(editor)
    assert note.text() == "ok 50k"
    qtbot.mouseClick(note, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(note, ", CFO agrees")
    _key(triage, Qt.Key.Key_Escape)  # out of the note, not out of triage
    assert triage.hasFocus() and triage.api.current_view_key() == "triage"
    assert _bant_note(triage, people[0]) == "ok 50k, CFO agrees"
    triage.api.undo_action.trigger()
    _settle(triage)
    assert _bant_note(triage, people[0]) == "ok 50k"


def _note_field(editor: Any) -> QLineEdit:
    """The budget note field shown now (a refresh replaces the fields; old ones linger
    hidden until deleted)."""
    shown = [n for n in editor.findChildren(QLineEdit, "bant_note_budget") if n.isVisible()]
    assert len(shown) == 1
    return shown[0]


def _bant_note(view: Any, cid: int) -> str | None:
    from app.qualification import get_bant

    return next(i.note for i in get_bant(view.db, cid).items if i.key == "budget")


def _import(view: Any, tmp_path: Any, names: list[str]) -> None:
    """Import a CSV with these people through the app's import, then tell the window (as the
    wizard does)."""
    from app.importing.service import import_file
    from app.operations import Changes, undo_state

    path = tmp_path / "more.csv"
    rows = [f"{n.split()[0]},{n.split()[1]},{n.split()[0].lower()}@new-firm.de" for n in names]
    path.write_text("First Name,Last Name,E-mail\n" + "\n".join(rows) + "\n", encoding="utf-8")
    import_file(view.db, path)
    view.api.ops.announce(
        Changes(imports=True, all_contacts=True), None, undo_state=undo_state(view.db)
    )


def _to_triage(view: Any) -> int:
    text = view.queue_combo.itemText(0)
    return int(text.split("(")[1].split(" to triage")[0].replace(",", ""))


def _header(view: Any) -> tuple[int, int]:
    shown, _, total = view.progress_label.text().split(" — ")[0].partition(" of ")
    return int(shown.replace(",", "")), int(total.replace(",", ""))


def test_header_and_queue_list_agree_after_an_import_and_an_undo(
    triage: Any, people: list[int], qtbot: Any, tmp_path: Any
) -> None:
    _key(triage, Qt.Key.Key_3)
    _key(triage, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: _to_triage(triage) == 3, timeout=5000)
    assert _header(triage) == (3, 5)
    _import(triage, tmp_path, ["Fritz Neu", "Gina Neu", "Hugo Neu"])
    # one story: 2 decided + 6 to triage = the 8 of the header
    qtbot.waitUntil(lambda: _header(triage) == (3, 8), timeout=5000)
    assert _to_triage(triage) == 6
    assert triage.card.name.text() == "Cem Suspect", "the contact on screen stays"
    for _ in range(3):
        _key(triage, Qt.Key.Key_Space)
    assert triage.card.name.text() == "Fritz Neu", "the imported contacts joined the queue's end"
    triage.api.undo_action.trigger()  # undo the import: its contacts leave the queue
    _settle(triage)
    qtbot.waitUntil(lambda: _to_triage(triage) == 3, timeout=5000)
    assert _header(triage)[1] == 5
    _key(triage, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo Nurture
    qtbot.waitUntil(lambda: _to_triage(triage) == 4, timeout=5000)
    assert triage.card.name.text() == "Ben Inquiry" and _header(triage) == (2, 5)


def test_ctrl_z_works_with_the_reason_bar_open(triage: Any, people: list[int]) -> None:
    _key(triage, Qt.Key.Key_3)
    _key(triage, Qt.Key.Key_D)
    assert triage.reasons_open()
    _key(triage, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _stage(triage, people[0]) == "suspect", "the decision before was undone"
    assert not triage.reasons_open()
    assert triage.card.name.text() == "Ada Suspect"
    _key(triage, Qt.Key.Key_3)
    _key(triage, Qt.Key.Key_D)
    _key(triage, Qt.Key.Key_0)  # typing another reason, nothing typed yet
    assert triage.reasons.other.hasFocus()
    _key(triage, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _stage(triage, people[0]) == "suspect"
    assert triage.card.name.text() == "Ada Suspect" and triage.hasFocus()


def test_ctrl_z_works_from_the_queue_list_a_note_field_and_the_done_page(
    triage: Any, people: list[int], qtbot: Any
) -> None:
    _key(triage, Qt.Key.Key_3)
    triage.queue_combo.setFocus()
    _key(triage, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _stage(triage, people[0]) == "suspect"
    _key(triage, Qt.Key.Key_3)
    note = _note_field(triage.card.bant_editor)
    qtbot.mouseClick(note, Qt.MouseButton.LeftButton)
    assert note.hasFocus() and not note.isUndoAvailable()
    _key(triage, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _stage(triage, people[0]) == "suspect", "an empty note field passes Ctrl+Z on"
    _key(triage, Qt.Key.Key_Escape)  # out of the note field: the keys decide again
    assert triage.hasFocus()
    for key in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_N, Qt.Key.Key_1):
        _key(triage, key)
    assert triage.pages.currentIndex() == 1
    _key(triage, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert triage.pages.currentIndex() == 0 and triage.card.name.text() == "Eli Suspect"


def test_ctrl_z_works_after_a_click_on_the_card(triage: Any, people: list[int], qtbot: Any) -> None:
    _key(triage, Qt.Key.Key_3)
    name = triage.card.name
    qtbot.mouseClick(name, Qt.MouseButton.LeftButton)  # selecting text on the card
    QTest.keyClick(QApplication.focusWidget() or name, Qt.Key.Key_Z, CTRL)
    _settle(triage)
    assert _stage(triage, people[0]) == "suspect"
    assert triage.card.name.text() == "Ada Suspect"
    _key(triage, Qt.Key.Key_N)  # and the decision keys still work from there
    assert _stage(triage, people[0]) == "nurture"


def test_the_list_as_filtered_stays_as_loaded_after_an_import(
    triage: Any, people: list[int], qtbot: Any, tmp_path: Any
) -> None:
    triage.queue_combo.setCurrentIndex(triage.queue_combo.findData("list"))
    triage.load_queue()
    loaded = list(triage.ids)
    _import(triage, tmp_path, ["Fritz Neu"])
    qtbot.waitUntil(lambda: _to_triage(triage) == 6, timeout=5000)
    assert triage.ids == loaded, "a snapshot of the list: the import does not join it"
    assert triage.queue_combo.currentData() == "list"

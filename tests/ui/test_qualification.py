"""BANT editor, score breakdown, follow-up panel, scoring-rules dialog, and their place in the
window (undo, promote, overdue count)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from app import moves, qualification, scoring
from app.activities import log_activity
from app.contacts import create_contact, get_contact
from app.scoring_rules import DEFAULT_RULES, ScoringRules
from app.timeutil import utcnow
from db.engine import Database
from db.models import Setting
from ui.qualification import BantEditor, FollowUpView, ScoreBreakdownView
from ui.qualification.rules_dialog import RulesTableModel, ScoringRulesDialog

pytestmark = pytest.mark.gui


@pytest.fixture
def plain_db(db: Database) -> Database:
    with db.session() as s:  # no default personas: exact scores
        s.add(Setting(key="golook.personas_seeded", value="true"))
    return db


def _contact(db: Database, **kw: object) -> int:
    values: dict[str, object] = {
        "name": "Anna Weiß",
        "email": "anna.weiss@acme-werk.de",
        "title": "Plant manager",
        "stage": "inquiry",
    }
    values.update(kw)
    return create_contact(db, **values)  # type: ignore[arg-type]


def test_bant_editor_click_and_keys(qtbot, plain_db: Database) -> None:  # type: ignore[no-untyped-def]
    cid = _contact(plain_db)
    editor = BantEditor(plain_db)
    qtbot.addWidget(editor)
    editor.set_contact(cid)
    editor.show()
    assert "missing: Budget, Authority, Need, Timeframe" in editor.summary.text()
    with qtbot.waitSignal(editor.edited):
        qtbot.mouseClick(
            editor.findChild(type(editor._rows[0][2]["yes"]), "bant_budget_yes"),
            Qt.MouseButton.LeftButton,
        )
    assert qualification.get_bant(plain_db, cid).answers()["budget"] == "yes"
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_Down)  # Authority
    qtbot.keyClick(editor, Qt.Key.Key_Y)
    qtbot.keyClick(editor, Qt.Key.Key_Down)  # Need
    qtbot.keyClick(editor, Qt.Key.Key_Y)
    qtbot.keyClick(editor, Qt.Key.Key_T)  # jump to Timeframe by its letter
    qtbot.keyClick(editor, Qt.Key.Key_Y)
    assert editor.answers() == dict.fromkeys(("budget", "authority", "need", "timeframe"), "yes")
    assert editor.summary.text().startswith("Qualified")
    qtbot.keyClick(editor, Qt.Key.Key_N)
    assert qualification.get_bant(plain_db, cid).answers()["timeframe"] == "no"
    note = editor._rows[1][3]
    note.setText("Signs off up to 50 k€")
    note.editingFinished.emit()
    assert qualification.get_bant(plain_db, cid).items[1].note == "Signs off up to 50 k€"


def test_score_view_explains_and_offers_promotion(qtbot, plain_db: Database) -> None:  # type: ignore[no-untyped-def]
    cid = _contact(plain_db)
    view = ScoreBreakdownView(plain_db)
    qtbot.addWidget(view)
    view.set_contact(cid)
    view.show()
    assert view.value.text() == "23"
    rows = [
        (view.lines.topLevelItem(i).text(0), view.lines.topLevelItem(i).text(1))
        for i in range(view.lines.topLevelItemCount())
    ]
    assert rows == [
        ("Branded company address (acme-werk.de)", "+15"),
        ("Job title: manager / lead (Plant manager)", "+8"),
    ]
    assert not view.badge.isVisible() and not view.promote.isVisible()
    log_activity(plain_db, cid, "asked-for-sales")
    view.refresh()
    assert view.badge.isVisible() and view.promote.isVisible()
    with qtbot.waitSignal(view.promote_requested) as blocker:
        qtbot.mouseClick(view.promote, Qt.MouseButton.LeftButton)
    assert blocker.args == [cid]


def test_follow_up_view_shows_overdue_in_red(qtbot, plain_db: Database) -> None:  # type: ignore[no-untyped-def]
    cid = _contact(plain_db, at=utcnow() - timedelta(hours=30))
    view = FollowUpView(plain_db)
    qtbot.addWidget(view)
    view.set_contact(cid)
    assert "overdue by 6 h" in view.due.text()
    assert view.due.property("state") == "overdue"
    with qtbot.waitSignal(view.next_action_requested) as blocker:
        qtbot.mouseClick(view.pick_buttons["tomorrow"], Qt.MouseButton.LeftButton)
    assert blocker.args[0] == cid and blocker.args[1] > utcnow()
    view.consent_combo.setCurrentIndex(view.consent_combo.findData("granted"))
    view.consent_how.setText("Ticked the box on the web form")
    with qtbot.waitSignal(view.consent_requested) as blocker:
        view._record_consent()
    assert blocker.args == [cid, "granted", "Ticked the box on the web form"]
    log_activity(plain_db, cid, "call")
    view.refresh()
    assert view.due.property("state") == "answered"


def test_rules_model_and_dialog(qtbot, qtmodeltester, plain_db: Database) -> None:  # type: ignore[no-untyped-def]
    model = RulesTableModel(ScoringRules.defaults())
    qtmodeltester.check(model)
    assert model.rowCount() == len(DEFAULT_RULES)
    row = [r.key for r in DEFAULT_RULES].index("domain.branded")
    assert model.setData(model.index(row, 2), 25)
    assert model.rules().points["domain.branded"] == 25
    assert not model.setData(model.index(row, 3), 10)  # no half-life for a fit rule
    webinar = [r.key for r in DEFAULT_RULES].index("activity.webinar-attended")
    assert model.setData(model.index(webinar, 3), 0)
    assert model.rules().half_life_days["activity.webinar-attended"] is None
    assert model.data(model.index(webinar, 3)) == "never fades"
    dialog = ScoringRulesDialog(scoring.scoring_settings(plain_db))
    qtbot.addWidget(dialog)
    dialog.threshold.setValue(45)
    dialog.automation.setCurrentIndex(dialog.automation.findData("move"))
    settings = dialog.settings()
    assert (settings.threshold, settings.automation, settings.sla_hours) == (45, "move", 24.0)


# --- in the window ---------------------------------------------------------------------


def test_window_has_the_sections_menu_and_overdue_count(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.followup import overdue_count

    widgets = window.qualification_widgets
    assert set(widgets) == {"followup", "bant", "score"}
    texts = [a.text() for a in window.menu_tools.actions()]
    assert "Scoring &rules…" in texts
    expected = overdue_count(window.db)
    qtbot.waitUntil(lambda: window.overdue_indicator.count == expected, timeout=5000)
    if expected:
        assert window.overdue_indicator.text() == f"{expected:,} overdue"


def test_bant_in_the_detail_panel_is_undoable(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    cid = window.model.contact_id(0)
    window.select_contact(cid)
    editor = window.qualification_widgets["bant"]
    assert editor.contact_id == cid
    before = get_contact(window.db, cid).score
    editor.set_answer("budget", "yes")
    assert qualification.get_bant(window.db, cid).answers()["budget"] == "yes"
    assert get_contact(window.db, cid).score == (before or 0) + 10
    window.undo_stack.undo()
    assert qualification.get_bant(window.db, cid).answers()["budget"] == "unknown"
    assert get_contact(window.db, cid).score == before
    window.undo_stack.redo()
    assert qualification.get_bant(window.db, cid).answers()["budget"] == "yes"


def test_promote_from_the_score_section(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    cid = create_contact(window.db, name="Ready Person", email="ready@acme-werk.de", stage="mql")
    log_activity(window.db, cid, "asked-for-sales")
    window.notify_changed([])
    window.select_contact(cid)
    score = window.qualification_widgets["score"]
    assert score.promote.isVisibleTo(score)
    qtbot.mouseClick(score.promote, Qt.MouseButton.LeftButton)
    assert get_contact(window.db, cid).stage_key == "sql"
    last = moves.history(window.db, cid)[-1]
    assert last.reason is not None and last.reason.startswith("Promoted: sales-ready")
    window.undo_stack.undo()
    assert get_contact(window.db, cid).stage_key == "mql"

"""BANT editor, score breakdown, follow-up panel, scoring-rules dialog, and their place in the
window (undo, promote, overdue count)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from app import moves, qualification, scoring
from app.activities import log_activity
from app.contact_view import load_contact_view
from app.contacts import create_contact, get_contact
from app.errors import WinnowError
from app.operations import Changes
from app.scoring_rules import DEFAULT_RULES, ScoringRules
from app.timeutil import utcnow
from db.engine import Database
from db.models import Setting
from tests.ui.conftest import settle
from ui.qualification import (
    BantEditor,
    FollowUpView,
    QualificationFeature,
    ScoreBreakdownView,
)
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


class _Applied:
    """An ``apply`` for the editor that records the changes (the window queues operations)."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, dict[str, str], dict[str, str | None]]] = []
        self.failed: list[object] = []

    def __call__(self, cid, answers, notes, failed) -> None:  # type: ignore[no-untyped-def]
        self.calls.append((cid, dict(answers), dict(notes)))
        self.failed.append(failed)


def test_bant_editor_click_and_keys(qtbot, plain_db: Database) -> None:  # type: ignore[no-untyped-def]
    cid = _contact(plain_db)
    applied = _Applied()
    editor = BantEditor(plain_db, apply=applied)
    qtbot.addWidget(editor)
    editor.show_view(load_contact_view(plain_db, cid))
    editor.show()
    assert "missing: Budget, Authority, Need, Timeframe" in editor.summary.text()
    with qtbot.waitSignal(editor.edited):
        qtbot.mouseClick(
            editor.findChild(type(editor._rows[0][2]["yes"]), "bant_budget_yes"),
            Qt.MouseButton.LeftButton,
        )
    assert applied.calls[-1] == (cid, {"budget": "yes"}, {})
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_Down)  # Authority
    qtbot.keyClick(editor, Qt.Key.Key_Y)
    qtbot.keyClick(editor, Qt.Key.Key_Down)  # Need
    qtbot.keyClick(editor, Qt.Key.Key_Y)
    qtbot.keyClick(editor, Qt.Key.Key_T)  # jump to Timeframe by its letter
    qtbot.keyClick(editor, Qt.Key.Key_Y)
    # shown at once, before anything is saved
    assert editor.answers() == dict.fromkeys(("budget", "authority", "need", "timeframe"), "yes")
    assert editor.summary.text().startswith("Qualified")
    qtbot.keyClick(editor, Qt.Key.Key_N)
    assert applied.calls[-1] == (cid, {"timeframe": "no"}, {})
    note = editor._rows[1][3]
    note.setText("Signs off up to 50 k€")
    note.editingFinished.emit()
    assert applied.calls[-1] == (cid, {}, {"authority": "Signs off up to 50 k€"})
    assert len(applied.calls) == 6
    assert qualification.get_bant(plain_db, cid).answers()["budget"] == "unknown"  # not written


def test_bant_editor_puts_answers_back_when_not_saved(qtbot, plain_db: Database) -> None:  # type: ignore[no-untyped-def]
    cid = _contact(plain_db)
    applied = _Applied()
    editor = BantEditor(plain_db, apply=applied)
    qtbot.addWidget(editor)
    editor.show_view(load_contact_view(plain_db, cid))
    editor.set_answer("need", "yes")
    assert editor.answers()["need"] == "yes"
    applied.failed[-1](WinnowError("the database is locked"))  # type: ignore[operator]
    assert editor.answers()["need"] == "unknown"
    assert "Not saved: the database is locked" in editor.summary.text()


def test_score_view_explains_and_offers_promotion(qtbot, plain_db: Database) -> None:  # type: ignore[no-untyped-def]
    cid = _contact(plain_db)
    view = ScoreBreakdownView()
    qtbot.addWidget(view)
    view.show_view(load_contact_view(plain_db, cid))
    view.show()
    assert view.value.text() == "23"
    rows: list[tuple[str, str]] = []
    for i in range(view.lines.topLevelItemCount()):
        item = view.lines.topLevelItem(i)
        assert item is not None
        rows.append((item.text(0), item.text(1)))
    assert rows == [
        ("Branded company address (acme-werk.de)", "+15"),
        ("Job title: manager / lead (Plant manager)", "+8"),
    ]
    assert not view.badge.isVisible() and not view.promote.isVisible()
    log_activity(plain_db, cid, "asked-for-sales")
    view.show_view(load_contact_view(plain_db, cid))
    assert view.badge.isVisible() and view.promote.isVisible()
    with qtbot.waitSignal(view.promote_requested) as blocker:
        qtbot.mouseClick(view.promote, Qt.MouseButton.LeftButton)
    assert blocker.args == [cid]
    view.show_view(None)
    assert view.value.text() == "" and not view.promote.isVisible()


def test_follow_up_view_shows_overdue_in_red(qtbot, plain_db: Database) -> None:  # type: ignore[no-untyped-def]
    cid = _contact(plain_db, at=utcnow() - timedelta(hours=30))
    view = FollowUpView()
    qtbot.addWidget(view)
    view.show_view(load_contact_view(plain_db, cid))
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
    view.show_view(load_contact_view(plain_db, cid))
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

    feature = window.qualification
    assert isinstance(feature, QualificationFeature)
    sections = {type(w) for w in (feature.bant, feature.score, feature.followup)}
    assert sections == {BantEditor, ScoreBreakdownView, FollowUpView}
    assert all(window.detail.isAncestorOf(w) for w in (feature.bant, feature.score))
    texts = [a.text() for a in window.menu_tools.actions()]
    assert "Scoring &rules…" in texts and feature.rules_action.text() == "Scoring &rules…"
    expected = overdue_count(window.db)
    qtbot.waitUntil(lambda: feature.overdue.count == expected, timeout=5000)
    if expected:
        assert feature.overdue.text() == f"{expected:,} overdue"


def _show(window, qtbot, cid: int) -> None:  # type: ignore[no-untyped-def]
    window.select_contact(cid)
    qtbot.waitUntil(lambda: window.detail.contact_id == cid, timeout=3000)


def test_bant_in_the_detail_panel_is_undoable(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    cid = window.model.contact_id(0)
    _show(window, qtbot, cid)
    editor = window.qualification.bant
    assert editor.contact_id == cid
    before = get_contact(window.db, cid).score
    editor.set_answer("budget", "yes")
    settle(qtbot, window)
    assert qualification.get_bant(window.db, cid).answers()["budget"] == "yes"
    assert get_contact(window.db, cid).score == (before or 0) + 10
    score = window.qualification.score
    assert score.value.text() == str((before or 0) + 10)  # the section followed the commit
    assert window.undo_action.text() == f"&Undo qualification of {get_contact(window.db, cid).name}"
    window.undo()  # one step
    settle(qtbot, window)
    assert qualification.get_bant(window.db, cid).answers()["budget"] == "unknown"
    assert get_contact(window.db, cid).score == before
    assert editor.answers()["budget"] == "unknown"
    window.redo()
    settle(qtbot, window)
    assert qualification.get_bant(window.db, cid).answers()["budget"] == "yes"
    assert editor.answers()["budget"] == "yes"


def test_consent_in_the_detail_panel_is_undoable(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    cid = next(
        i
        for i in (window.model.contact_id(r) for r in range(window.model.rowCount()))
        if get_contact(window.db, i).consent not in ("withdrawn", "granted")
    )
    _show(window, qtbot, cid)
    follow = window.qualification.followup
    before = get_contact(window.db, cid).consent
    follow.consent_combo.setCurrentIndex(follow.consent_combo.findData("withdrawn"))
    follow.consent_how.setText("Asked by phone not to write")
    qtbot.mouseClick(follow.findChild(QPushButton, "recordConsent"), Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    stored = get_contact(window.db, cid)
    assert (stored.consent, stored.consent_how) == ("withdrawn", "Asked by phone not to write")
    assert follow.consent_state.text().startswith("Withdrawn")
    window.undo()
    settle(qtbot, window)
    assert get_contact(window.db, cid).consent == before
    assert follow.consent_combo.currentData() == before


def test_next_action_and_consent_for_many_from_the_list(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.followup import quick_pick
    from ui.qualification import set_consent, set_next_action

    ids = [window.model.contact_id(r) for r in range(3)]
    before = [get_contact(window.db, i).consent for i in ids]
    set_next_action(window, ids, quick_pick("tomorrow"))
    set_consent(window, ids, "granted", "trade show form")
    settle(qtbot, window)
    assert {get_contact(window.db, i).consent for i in ids} == {"granted"}
    assert all(get_contact(window.db, i).next_action_at == quick_pick("tomorrow") for i in ids)
    window.undo()  # the consent of all three, in one step
    settle(qtbot, window)
    assert [get_contact(window.db, i).consent for i in ids] == before
    assert all(get_contact(window.db, i).next_action_at is not None for i in ids)


def test_scoring_rules_change_recomputes_in_the_background(window, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ui import qualification as feature
    from ui.qualification import rules_dialog

    class Accepting(ScoringRulesDialog):
        def exec(self) -> int:
            self.threshold.setValue(5)
            return int(ScoringRulesDialog.DialogCode.Accepted)

    # the dialog's module, imported when the dialog is first opened
    monkeypatch.setattr(rules_dialog, "ScoringRulesDialog", Accepting)
    seen: list[Changes] = []
    window.ops.operation_did_execute.connect(lambda changes, _who: seen.append(changes))
    feature.open_rules_dialog(window)
    settle(qtbot, window)
    assert scoring.scoring_settings(window.db).threshold == 5
    qtbot.waitUntil(lambda: any(c.all_contacts for c in seen), timeout=20000)
    assert seen[0].scoring and not seen[0].all_contacts  # the rules, then every score
    window.undo()
    settle(qtbot, window)
    assert scoring.scoring_settings(window.db).threshold == 60


def test_promote_from_the_score_section(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    cid = create_contact(window.db, name="Ready Person", email="ready@acme-werk.de", stage="mql")
    log_activity(window.db, cid, "asked-for-sales")
    window.detail.show_contact(cid)
    score = window.qualification.score
    assert score.promote.isVisibleTo(score)
    qtbot.mouseClick(score.promote, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert get_contact(window.db, cid).stage_key == "sql"
    last = moves.history(window.db, cid)[-1]
    assert last.reason is not None and last.reason.startswith("Promoted: sales-ready")
    assert not score.promote.isVisibleTo(score)  # the panel followed the move
    window.undo()
    settle(qtbot, window)
    assert get_contact(window.db, cid).stage_key == "mql"

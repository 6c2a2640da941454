"""Triage mode: one contact at a time, the evidence on screen, one key per decision.

Every decision is one operation on the window's writer thread
(``app.operations.triage_decision``: the move, with its history and the disqualify reason, and
marking the contact triaged — both or neither); the queue goes on once it has committed, and a
decision that fails says why and stays on the contact. Ctrl+Z (the window's Undo, the undo log
in the database) takes a decision back in one step and shows the contact again. While the view
is shown, the sidebar and the detail panel step aside.

D opens the reason bar over the card (:mod:`ui.triage.reasons`, part of the view, no dialog):
a digit disqualifies at once with that reason, 0 types another, Esc closes it. The window's
Ctrl+Z works in every state — reason bar open, BANT keys, a note field with nothing of its own
to undo. The queue follows the change notices: contacts an import brings (or another view
makes untriaged again) join its end, deleted ones leave it, and the queue list's counts are
recounted on a worker, so the header and the queue list always tell the same story.

B hands the keys to the card's BANT editor (Y / N / U, ↑ / ↓) until Esc or Enter; each answer
is an undoable command too (``ui.qualification.bant_applier``), and the legend shows the keys in
force (:mod:`ui.triage.bant`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QHideEvent, QKeyEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import contacts, operations, triage
from app.contacts import ContactQuery
from app.errors import UnknownContact, WinnowError
from app.gates import GateRefused
from app.moves import MoveResult
from app.operations import Changes, OpResult, UndoState
from app.stage_visibility import shown_stages
from app.stages import StageInfo
from app.versions import StaleVersion, expected_after_own
from db.engine import Database, DatabaseError
from ui import message_box
from ui.api import WindowApi
from ui.leads.activity_edit import ActivityEditor
from ui.leads.qualify_first import ask_override_then
from ui.leads.tasks_box import TasksBox
from ui.line_breaks import WrappedLabel
from ui.links import open_link
from ui.qualification import bant_applier
from ui.triage.bant import BANT_KEYS, TriageBantEditor
from ui.triage.card import TriageCardWidget
from ui.triage.legend import TriageLegend
from ui.triage.reasons import ReasonBar, passes_undo_on, reason_for_digit

# the legend while the reason bar is open
REASON_KEYS = [
    ("1–8", "Disqualify with that reason"),
    ("0", "Type another reason"),
    ("Esc", "Keep the contact as it is"),
    ("Ctrl+Z", "Undo"),
]


@dataclass(frozen=True)
class QueueCounts:
    """The queue list's counts and the current queue's contacts, read together on a worker."""

    open_count: int
    batches: tuple[triage.BatchChoice, ...]
    queue_key: str
    fresh_ids: tuple[int, ...]
    gone: frozenset[int]  # contacts of the queue that no longer exist


CARD_WIDTH = 980  # the card's, the reason bar's and the legend's widest

WRITING_KEYS = frozenset({"N", "D", "B", "A"})  # and the digits: they change the contact

VIEW_STYLE = """
#triageView { background: palette(window); }
#triageProgress { color: palette(window-text); font-size: 10.5pt; font-weight: bold; }
#triageBar { border: none; background: palette(midlight); border-radius: 2px; max-height: 4px; }
#triageBar::chunk { background: palette(highlight); border-radius: 2px; }
#legendKey { background: palette(window); border: 1px solid palette(mid); border-bottom-width: 2px;
             border-radius: 4px; padding: 1px 6px; font-weight: bold; color: palette(text); }
#legendText { color: palette(text); }
#triageHolder { background: palette(window); }
#triageDone { font-size: 15pt; font-weight: bold; color: palette(window-text); }
#triageDoneText { color: palette(window-text); font-size: 10.5pt; }
"""


class FittedScroll(QScrollArea):
    """A scroll area as tall as its widget at its width (a QScrollArea's own hint stops at 24
    lines): the layout gives the card its height and no more, and takes it back, the card
    scrolling, when the window is shorter."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        widget = self.widget()
        if widget is None:
            return hint
        width = self.width() if self.width() > 0 else CARD_WIDTH
        height = widget.heightForWidth(width)
        if height < 0:
            height = widget.sizeHint().height()
        return QSize(hint.width(), height + 2 * self.frameWidth())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the lines wrap anew: another height

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # (QScrollArea watches its widget) another contact, other lines: another height
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)


class PageStack(QStackedWidget):
    """The card or the end of the queue, as tall as the page shown."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.currentChanged.connect(lambda _i: self.updateGeometry())

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()


class TriageView(QWidget):
    """The triage page (``api.add_view("triage", "Triage", view)``)."""

    def __init__(self, api: WindowApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("triageView")
        self.setStyleSheet(VIEW_STYLE)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.api = api
        self.db = api.db
        self.ids: list[int] = []
        self.position = 0
        self.decisions: list[float] = []  # monotonic times, for the pace
        self.stages: dict[str, StageInfo] = {}
        self.stage_keys_by_digit: dict[int, str] = {}
        self._decided: dict[int, int] = {}  # operation id (undo log) -> contact decided
        self._undo_state = api.ops.undo_state
        self._panels: tuple[bool, bool] | None = None
        self._loaded = False
        # a decision is being asked for (reason dialog) or saved: keys wait until it is done
        self._deciding = False
        self._waiting: list[Callable[[], object]] = []
        self._skipped: list[int] = []  # S: at the end of the queue, in the order skipped
        # the contact on the card and the version it shows: a decision is made on it
        self._shown: tuple[int, int] | None = None
        # why nothing can be changed (ui.read_only: a read-only role, the server gone): the
        # deciding keys say it instead
        self.read_only: str | None = None
        self._count_generation = 0

        self.queue_combo = QComboBox()
        self.queue_combo.setObjectName("triageQueue")
        self.queue_combo.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.queue_combo.setToolTip("Which contacts to go through")
        self.queue_combo.activated.connect(lambda _i: self.load_queue())
        self.progress_label = QLabel()
        self.progress_label.setObjectName("triageProgress")
        self.progress_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("triageBar")
        self.progress_bar.setTextVisible(False)
        top = QHBoxLayout()
        top.setContentsMargins(24, 12, 24, 4)
        top.addWidget(QLabel("Queue"))
        top.addSpacing(4)
        top.addWidget(self.queue_combo)
        top.addStretch(1)
        top.addWidget(self.progress_label)

        self.bant_editor = TriageBantEditor(api.db, apply=bant_applier(api))
        self.bant_editor.done.connect(self.take_keys_back)
        self.bant_editor.unused_key.connect(self._bant_key_hint)
        self.card = TriageCardWidget(
            self.bant_editor,
            tasks=TasksBox(api),
            activity_editor=ActivityEditor(api.db, api.ops, self),
        )
        self.card.setMaximumWidth(CARD_WIDTH)
        holder = QWidget()
        holder.setObjectName("triageHolder")
        # no minimum height of its own: QScrollArea would keep the card at least as tall as its
        # lines wrapped at its narrowest (100 px of empty card at 1024x700), not at its width
        holder.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        hl = QHBoxLayout(holder)
        hl.setContentsMargins(24, 0, 24, 0)
        hl.addStretch(1)
        hl.addWidget(self.card, 100)
        hl.addStretch(1)
        scroll = FittedScroll()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(holder)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.done_title = QLabel()
        self.done_title.setObjectName("triageDone")
        self.done_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.done_text = WrappedLabel()
        self.done_text.setObjectName("triageDoneText")
        self.done_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.done_text.setWordWrap(True)
        back = QPushButton("Back to the list")
        back.setObjectName("primary")
        back.clicked.connect(self.leave)
        done = QWidget()
        dl = QVBoxLayout(done)
        dl.addStretch(1)
        dl.addWidget(self.done_title)
        dl.addWidget(self.done_text)
        dl.addSpacing(12)
        dl.addWidget(back, 0, Qt.AlignmentFlag.AlignHCenter)
        dl.addStretch(2)

        self.pages = PageStack()
        self.pages.addWidget(scroll)
        self.pages.addWidget(done)

        self.reasons = ReasonBar()
        self.reasons.chosen.connect(self.disqualify_with)
        self._reason_row = reason_row = QHBoxLayout()
        reason_row.setContentsMargins(24, 0, 24, 0)  # 8 below while open
        reason_row.addStretch(1)
        reason_row.addWidget(self.reasons, 100)
        reason_row.addStretch(1)
        self.reasons.setMaximumWidth(CARD_WIDTH)

        self.legend = TriageLegend(BANT_KEYS, reason_keys=REASON_KEYS)
        self.legend.setMaximumWidth(CARD_WIDTH)
        legend_row = QHBoxLayout()
        legend_row.setContentsMargins(24, 0, 24, 0)
        legend_row.addStretch(1)
        legend_row.addWidget(self.legend, 100)
        legend_row.addStretch(1)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self._refresh_card)
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(60)  # one recount per burst of notices
        self._count_timer.timeout.connect(self.recount)
        self.api.tasks.defer(self._count_timer)  # a read about to start (TaskRunner.idle)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(top)
        lay.addWidget(self.progress_bar)
        # the reason bar, the card and the key legend right under it, as one column in the
        # middle of the room: the card is as tall as its lines (it scrolls when the window is
        # shorter), so a tall window shows no empty band inside the card or between it and the
        # legend (stretched down to the legend, the card was a third empty at 1440x900)
        lay.addStretch(2)
        lay.addLayout(reason_row)
        lay.addWidget(self.pages)
        lay.addLayout(legend_row)
        lay.addStretch(3)

        self._shortcuts: list[QShortcut] = []
        self.reload_stages()
        api.ops.operation_did_execute.connect(self.on_operation)
        api.ops.undo_state_changed.connect(self._undo_state_changed)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    # --- keys -------------------------------------------------------------------------------------
    def reload_stages(self) -> None:
        stages = shown_stages(self.db)  # no key for a hidden stage
        self.stages = {s.key: s for s in stages}
        pipeline = [s for s in stages if not s.is_side][:9]
        self.stage_keys_by_digit = {i: s.key for i, s in enumerate(pipeline, 1)}
        for sc in self._shortcuts:
            sc.setEnabled(False)
            sc.deleteLater()
        self._shortcuts = []
        # (key, what it does — the Help ▸ Keyboard shortcuts text —, action)
        bindings: list[tuple[str, str, Callable[[], object]]] = []
        for d in range(10):
            stage = self.stages.get(self.stage_keys_by_digit.get(d, ""))
            reason = reason_for_digit(d)
            text = " · ".join(
                x
                for x in (
                    f"Move to {stage.name}" if stage else "",
                    f"after D: {reason}" if reason else "",
                    "after D: type another reason" if d == 0 else "",
                )
                if x
            )
            if text:  # a digit that means nothing here is not taken from other widgets
                bindings.append((str(d), text, partial(self._digit, d)))
        if "nurture" in self.stages:
            text = f"Move to {self.stages['nurture'].name}"
            bindings.append(("N", text, self._key(lambda: self.decide("nurture"))))
        if "disqualified" in self.stages:
            text = f"{self.stages['disqualified'].name}: pick the reason with a digit"
            bindings.append(("D", text, self._key(lambda: self.decide("disqualified"))))
        bindings += [
            ("Space", "Next contact", self._key(self.next)),
            ("J", "Next contact", self._key(self.next)),
            ("K", "Previous contact", self._key(self.previous)),
            ("S", "Skip: decide later (to the end of the queue)", self._key(self.skip)),
            ("B", "Answer BANT from the keyboard", self._key(self.answer_bant)),
            ("A", "Assign the contact to me", self._key(self.assign_to_me)),
            ("O", "Open the website", self._key(self.open_website)),
            ("Esc", "Close the reason bar, or leave triage", self.escape),
        ]
        for key, text, slot in bindings:
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.setWhatsThis(text)
            if key.isdigit() or key in WRITING_KEYS:
                slot = partial(self._unless_read_only, slot)
            sc.activated.connect(partial(self._when_ready, slot))
            self._shortcuts.append(sc)
        self._build_legend()

    def set_read_only(self, reason: str | None) -> None:
        """Nothing can be changed (``reason``): the keys that decide, answer or assign only
        say why (in the status bar) and the legend is greyed out; None: they work again."""
        self.read_only = reason
        self.legend.setEnabled(reason is None)

    def _unless_read_only(self, action: Callable[[], object]) -> object:
        if self.read_only is not None:
            self.api.show_status(self.read_only, 6000)
            return None
        return action()

    def _key(self, action: Callable[[], object]) -> Callable[[], object]:
        """A decision or navigation key: it closes an open reason bar first (the user chose
        something else than disqualifying)."""

        def run() -> object:
            self.close_reasons()
            return action()

        return run

    def _digit(self, digit: int) -> None:
        """A digit: with the reason bar open its reason (0: type another), else its stage."""
        if self.reasons.isVisible():
            if digit == 0:
                self.reasons.type_other()
                return
            reason = reason_for_digit(digit)
            if reason is not None:
                self.disqualify_with(reason)
            return
        key = self.stage_keys_by_digit.get(digit)
        if key is not None:
            self.decide(key)

    def escape(self) -> None:
        """Esc: close the reason bar (keep the contact as it is), else leave triage."""
        if self.reasons.isVisible():
            self.close_reasons()
        else:
            self.leave()

    def _build_legend(self) -> None:
        entries = [(str(d), self.stages[k].name) for d, k in self.stage_keys_by_digit.items()]
        if "nurture" in self.stages:
            entries.append(("N", self.stages["nurture"].name))
        if "disqualified" in self.stages:
            entries.append(("D", self.stages["disqualified"].name + "…"))
        entries += [
            ("Space/J", "Next"),
            ("K", "Previous"),
            ("S", "Skip"),
            ("Ctrl+Z", "Undo"),
            ("B", "Answer BANT"),
            ("A", "Mine"),
            ("O", "Website"),
            ("Esc", "Leave"),
        ]
        self.legend.set_decision_keys(entries)

    # --- queue ------------------------------------------------------------------------------------
    def fill_queues(self) -> None:
        """The queue list with fresh counts (read now; notices recount on a worker)."""
        open_count = contacts.count(self.db, triage.untriaged_query())
        self._show_queues(open_count, triage.list_import_batches(self.db))

    def _show_queues(self, open_count: int, batches: Sequence[triage.BatchChoice]) -> None:
        current = self.queue_combo.currentData()
        self.queue_combo.blockSignals(True)
        self.queue_combo.clear()
        self.queue_combo.addItem(
            f"New Suspects and Inquiries ({open_count:,} to triage)", "untriaged"
        )
        for b in batches:
            self.queue_combo.addItem(
                f"Import: {b.label} ({b.untriaged:,} of {b.contacts:,} to triage)", f"batch:{b.id}"
            )
        self.queue_combo.addItem("The list as filtered now", "list")
        index = self.queue_combo.findData(current) if current is not None else 0
        self.queue_combo.setCurrentIndex(max(0, index))
        self.queue_combo.blockSignals(False)

    def recount(self) -> None:
        """Recount the queue list and re-read the current queue on a worker, then bring the
        queue up to date (:meth:`_follow_queue`)."""
        if not self._loaded:
            return
        self._count_generation += 1
        generation = self._count_generation
        db, query = self.db, self.queue_query()
        queue_key = str(self.queue_combo.currentData() or "untriaged")
        # "the list as filtered now" is the list of the moment it was loaded: it stays
        follow = queue_key != "list"
        # the contacts shown so far (the rest is taken from the fresh read)
        shown = tuple(self.ids[: self.position + 1])

        def count() -> QueueCounts:
            return QueueCounts(
                open_count=contacts.count(db, triage.untriaged_query()),
                batches=tuple(triage.list_import_batches(db)),
                queue_key=queue_key,
                fresh_ids=tuple(contacts.query_ids(db, query)) if follow else (),
                gone=_missing(db, shown) if follow else frozenset(),
            )

        def done(counts: QueueCounts) -> None:
            if generation != self._count_generation or not shiboken6.isValid(self):
                return  # a newer recount is on its way
            self._show_queues(counts.open_count, counts.batches)
            key = str(self.queue_combo.currentData() or "untriaged")
            if key != "list" and counts.queue_key == key:
                self._follow_queue(counts.fresh_ids, counts.gone)

        self.api.tasks.run(
            count, on_done=done, on_error=lambda exc: self.api.show_status(str(exc), 6000)
        )

    def _follow_queue(self, fresh: Sequence[int], gone: frozenset[int]) -> None:
        """The queue as it is now: the contacts already shown (decided, passed) and the one
        on screen stay where they are; after them, what the queue holds now in its order —
        new contacts of an import included —, the skipped ones last; deleted ones leave."""
        current = self.current_id()
        past = [i for i in self.ids[: self.position] if i not in gone]
        seen = set(past)
        if current is not None:
            seen.add(current)
        fresh_set = set(fresh)
        skipped = [i for i in self._skipped if i in fresh_set and i not in seen]
        later = set(skipped)
        rest = [i for i in fresh if i not in seen and i not in later]
        head = [current] if current is not None and current not in gone else []
        ids = past + head + rest + skipped
        if ids == self.ids and self.position == len(past):
            return
        self.ids = ids
        self.position = len(past)
        self._skipped = skipped
        if head:
            self._update_progress()
        else:
            self.show_current()

    def queue_query(self) -> ContactQuery:
        kind, _, value = str(self.queue_combo.currentData() or "untriaged").partition(":")
        if kind == "batch":
            return triage.batch_query(int(value), only_untriaged=True)
        if kind == "list":
            return self.api.current_query()
        return triage.untriaged_query()

    def load_queue(self) -> None:
        """Start over with the chosen queue (its ids are fixed for this session)."""
        try:
            self.ids = contacts.query_ids(self.db, self.queue_query())
        except (WinnowError, DatabaseError) as exc:
            self.ids = []
            self.api.show_status(str(exc), 6000)
        self.position = 0
        self.decisions = []
        self._decided.clear()
        self._skipped = []
        self._loaded = True
        self.close_reasons()
        self.show_current()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def current_id(self) -> int | None:
        return self.ids[self.position] if 0 <= self.position < len(self.ids) else None

    def selected_ids(self) -> list[int]:
        cid = self.current_id()
        return [cid] if cid is not None else []

    def show_current(self) -> None:
        while True:
            cid = self.current_id()
            if cid is None:
                self._show_done()
                break
            try:
                card = triage.triage_card(self.db, cid)
            except UnknownContact:  # deleted meanwhile: drop it from the queue
                del self.ids[self.position]
                continue
            self.card.show_card(card, self.stages)
            self._shown = (cid, card.contact.version)
            self.pages.setCurrentIndex(0)
            break
        self._update_progress()

    def _show_done(self) -> None:
        self.pages.setCurrentIndex(1)
        if not self.ids:
            self.done_title.setText("Nothing to triage")
            self.done_text.setText(
                "Every contact in this queue has had a decision. New inquiries "
                "and imported names will show up here."
            )
        else:
            n = len(self.decisions)
            self.done_title.setText("All done")
            self.done_text.setText(
                f"You went through all {len(self.ids):,} contacts of this "
                f"queue and made {n:,} decision{'s' if n != 1 else ''}."
            )

    def _update_progress(self) -> None:
        total = len(self.ids)
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(min(self.position, total))
        if not total:
            self.progress_label.setText("")
            return
        shown = min(self.position + 1, total)
        text = f"{shown:,} of {total:,}"
        pace = self.pace()
        if pace is not None:
            text += f" — {pace} per minute"
        self.progress_label.setText(text)

    def pace(self) -> int | None:
        """Decisions per minute over this session (after two, and 5 seconds)."""
        if len(self.decisions) < 2:
            return None
        span = self.decisions[-1] - self.decisions[0]
        if span < 5:
            return None
        return round((len(self.decisions) - 1) * 60 / span)

    # --- navigation -------------------------------------------------------------------------------
    def next(self) -> None:
        if self.position < len(self.ids):
            self.position += 1
            self.show_current()

    def previous(self) -> None:
        if self.position > 0:
            self.position -= 1
            self.show_current()

    def skip(self) -> None:
        """Decide later: the contact goes to the end of this session's queue."""
        cid = self.current_id()
        if cid is None:
            return
        if self.position < len(self.ids) - 1:
            self.ids.append(self.ids.pop(self.position))
            self._skipped = [i for i in self._skipped if i != cid] + [cid]
        else:
            self.position += 1
        self.show_current()

    def leave(self) -> None:
        self.api.show_view("list")

    # --- BANT answers -------------------------------------------------------------------------------
    def assign_to_me(self) -> None:
        """A: the current contact is mine from now on (undoable; ui.team)."""
        from ui import team

        cid = self.current_id()
        if cid is not None:
            team.assign_to_me(self.api, [cid])

    def answer_bant(self) -> None:
        """B: the keys answer the shown contact's BANT criteria until Esc or Enter, starting on
        the first criterion without an answer."""
        if self.current_id() is None or self.pages.currentIndex() != 0:
            return
        if not self.bant_editor.has_criteria():
            self.api.show_status(
                "No qualification criteria are defined (winnow criteria add NAME).", 4000
            )
            return
        self.bant_editor.start_answering()

    def take_keys_back(self) -> None:
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def answering_bant(self) -> bool:
        editor = self.bant_editor
        focus = QApplication.focusWidget()
        return focus is not None and (focus is editor or editor.isAncestorOf(focus))

    def _focus_changed(self, _old: QWidget | None, _new: QWidget | None) -> None:
        if not shiboken6.isValid(self):
            return
        answering = self.answering_bant()
        if answering != self.legend.answering:
            self.legend.show_answering(answering)
            self.card.show_answering(answering)

    def _bant_key_hint(self) -> None:
        self.api.show_status(
            "The keys answer BANT now: Y yes, N no, U unknown, ↑/↓ criterion. "
            "Esc or Enter gives them back to the decisions.",
            5000,
        )

    def on_operation(self, changes: Changes, _initiator: object) -> None:
        """Answers, undo, background checks: show the current contact afresh if the notice
        names it (once per burst); new stages: new decision keys."""
        if changes.stage_list:
            self.reload_stages()
        if self.isVisible() and (
            changes.imports
            or changes.all_contacts
            or changes.contacts
            or changes.created
            or changes.deleted
            or changes.stage_list
        ):
            self._count_timer.start()  # counts and queue follow: imports, undo, moves
        cid = self.current_id()
        if cid is None or self._deciding:
            return
        if changes.touches_contact(cid) or changes.criteria or changes.personas:
            self._refresh_timer.start()

    def _refresh_card(self) -> None:
        if (
            not self.isVisible()
            or self._deciding
            or self.pages.currentIndex() != 0
            or self.bant_editor.typing_in_note()  # the rebuild would take the field away
        ):
            return
        self.show_current()

    def open_website(self) -> None:
        cid = self.current_id()
        if cid is None:
            return
        c = contacts.get_contact(self.db, cid)
        site = c.website or (
            f"https://{c.domain}" if c.domain and c.domain_class == "branded" else None
        )
        if not site:
            self.api.show_status("No website known for this contact.", 4000)
            return
        open_link(self, site)

    # --- decisions --------------------------------------------------------------------------------
    def _when_ready(self, action: Callable[[], object]) -> None:
        """Run a key's action now, or after the decision being saved (keys typed meanwhile
        are not lost; they apply to the contact the queue moves on to)."""
        if self._deciding:
            self._waiting.append(action)
        else:
            action()

    def decide(self, stage_key: str, reason: str | None = None) -> bool:
        """Move the shown contact to ``stage_key`` (or keep it there) and mark it triaged, as
        one operation; the queue goes on when it has committed. Disqualifying without a
        ``reason`` opens the reason bar instead. False when nothing was queued (no contact,
        unknown stage, another decision under way, the reason still to pick)."""
        cid = self.current_id()
        if cid is None or stage_key not in self.stages or self._deciding:
            return False
        if self.read_only is not None:
            self.api.show_status(self.read_only, 6000)
            return False
        try:
            contact = contacts.get_contact(self.db, cid)
        except (WinnowError, DatabaseError) as exc:
            self.api.show_status(str(exc), 6000)
            return False
        target = None if contact.stage_key == stage_key else stage_key
        if target == "disqualified" and reason is None:
            self.open_reasons(contact.name or contact.company or contact.email or "this contact")
            return False
        self.close_reasons()
        self._deciding = True
        self._run_decision(cid, target, reason)
        return True

    def disqualify_with(self, reason: str) -> bool:
        """The reason bar's choice: disqualify the shown contact at once."""
        if not self.reasons.isVisible():
            return False
        return self.decide("disqualified", reason)

    # --- the reason bar -----------------------------------------------------------------------
    def open_reasons(self, name: str) -> None:
        if self.pages.currentIndex() != 0:
            return
        self.reasons.open_for(name)
        self._reason_row.setContentsMargins(24, 0, 24, 8)
        self.legend.show_reasons(True)
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def close_reasons(self) -> None:
        if not self.reasons.isVisible():
            return
        typing = self.reasons.typing()
        self.reasons.hide()
        self._reason_row.setContentsMargins(24, 0, 24, 0)
        self.legend.show_reasons(False)
        if typing or self.focusWidget() is None:
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def reasons_open(self) -> bool:
        return self.reasons.isVisible()

    def _run_decision(
        self, cid: int, target: str | None, reason: str | None, override: str | None = None
    ) -> None:
        """Queue the decision, gated: a contact the gates stop asks "qualify first" (app.gates)
        and is decided again with the reason to move anyway, or stays where it is."""
        db = self.db
        # made on the version the card shows (the window's own changes since are no
        # conflict): refused, saying who changed what, when someone changed the contact
        shown = {cid: self._shown[1]} if self._shown and self._shown[0] == cid else {}
        own = self.api.ops.own_operations

        def failed(exc: Exception) -> None:
            if isinstance(exc, GateRefused) and override is None:
                ask_override_then(
                    self.api.dialog_parent(),
                    exc.stage_name,
                    exc.problems,
                    lambda why: self._run_decision(cid, target, reason, why),
                    lambda: self._not_decided(cid, None),
                )
                return
            if isinstance(exc, StaleVersion):  # every view shows it as someone else left it
                self.api.ops.announce(Changes.of(contacts=[exc.contact_id]), self)
            self._not_decided(cid, exc)

        self.api.ops.run(
            lambda: operations.triage_decision(
                db,
                [cid],
                target,
                reason=reason,
                gated=True,
                override=override,
                expect_versions=expected_after_own(db, shown, own()) or None,
            ),
            initiator=self,
            on_success=lambda result: self._decided_on(cid, result),
            on_failure=failed,
        )

    def _decided_on(self, cid: int, result: OpResult[MoveResult | None]) -> None:
        """The decision committed: count it, go on to the next contact, then run the keys
        typed meanwhile."""
        self._deciding = False
        self.decisions.append(time.monotonic())
        if result.operation_id is not None:
            self._decided[result.operation_id] = cid
        if self.current_id() == cid:
            self.next()
        waiting, self._waiting = self._waiting, []
        for action in waiting:
            self._when_ready(action)

    def _not_decided(self, cid: int, exc: Exception | None) -> None:
        """The decision was not saved (``exc`` None: the user cancelled it): say why and stay
        on the contact (keys typed meanwhile are dropped: they were meant for the contacts
        after it)."""
        self._deciding = False
        self._waiting.clear()
        if exc is not None:
            message_box.warning(
                self.api.dialog_parent(),
                "Decision not saved",
                f"The decision was not saved; the contact is still waiting for one.\n\n{exc}",
            )
        if self.current_id() == cid:
            self.show_current()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _undo_state_changed(self, state: UndoState) -> None:
        """After Ctrl+Z of a decision made here, show that contact again (and after Redo,
        the one after it)."""
        previous, self._undo_state = self._undo_state, state
        if not self.isVisible():
            return
        was_undo, now_redo = previous.undo, state.redo
        was_redo, now_undo = previous.redo, state.undo
        if was_undo is not None and now_redo is not None and was_undo.id == now_redo.id:
            cid, step = self._decided.get(now_redo.id), 0  # undone: that contact again
        elif was_redo is not None and now_undo is not None and was_redo.id == now_undo.id:
            cid, step = self._decided.get(now_undo.id), 1  # redone: the one after it
        else:
            return
        if cid is None or cid not in self.ids:
            return
        self.close_reasons()
        self.position = self.ids.index(cid) + step
        self.show_current()

    # --- showing and leaving ------------------------------------------------------------------------
    def view_shown(self) -> None:
        """Tab became current: focus mode (panels aside), fresh queue list, keys active."""
        if self._panels is None:
            self._panels = self.api.panels_visible()
            self.api.set_panels_visible(False, False)
        self.fill_queues()
        if not self._loaded:
            self.load_queue()
        else:
            self.show_current()
            self.recount()  # what changed while another view was shown
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)  # Ctrl+Z from the card's note fields: see below

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Ctrl+Z / Ctrl+Shift+Z in a field of this view that has nothing of its own to
        undo reaches the window's Undo/Redo (a line edit claims the keys otherwise)."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and isinstance(watched, QLineEdit)
            and shiboken6.isValid(self)
            and self.isAncestorOf(watched)
            and passes_undo_on(watched, event)
        ):
            event.ignore()
            return True
        return False

    def hideEvent(self, event: QHideEvent) -> None:
        """Another view became current (not the window minimised): the panels come back."""
        super().hideEvent(event)
        if not event.spontaneous():
            self.close_reasons()
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self)
        if not event.spontaneous() and self._panels is not None:
            sidebar, detail = self._panels
            self._panels = None
            self.api.set_panels_visible(sidebar, detail)


def _missing(db: Database, ids: Sequence[int], chunk: int = 5000) -> frozenset[int]:
    """The ids among ``ids`` whose contact no longer exists (read in chunks: a statement
    takes only so many parameters)."""
    gone: set[int] = set()
    for start in range(0, len(ids), chunk):
        gone.update(contacts.contact_exists(db, list(ids[start : start + chunk])))
    return frozenset(gone)

"""The window says once when DNS cannot be believed (or does not answer), not per contact.

:class:`DnsNotice` sits in the status bar, hidden. Every result of a domain check that the
window's background tasks bring back passes by it (``take_result`` on ``TaskRunner.task_result``):
Check all, the checks after an import, Check again. The first batch that finds the resolver
untrustworthy — it says even gmail.com has no mail — or finds it silent shows the notice, with
one short status message (a click on the notice explains it); more such batches change
nothing. A batch that gets good
answers again hides it; the user's × hides it for the rest of the session.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from app.golook.terms import CANARY_DOMAINS, UNTRUSTED_DETAIL
from ui import message_box

if TYPE_CHECKING:
    from app.golook.checks import DomainBatch

UNTRUSTED_TEXT = f"⚠ {UNTRUSTED_DETAIL}"
# the one status message (short: the status bar of a 1024 px window has room for ~80 letters)
UNTRUSTED_SAID = (
    f"{UNTRUSTED_DETAIL}: \u201cdoes not exist\u201d and \u201cno mail\u201d are shown as unknown"
)
UNTRUSTED_EXPLAINED = (
    "The DNS server says that even {canaries} have no mail or do not exist — a captive portal "
    "or an offline network answers like that. Its \u201cdoes not exist\u201d and \u201cno mail\u201d "
    "answers are shown as unknown and not saved; earlier answers stay. Check again once you "
    "are online."
).format(canaries=", ".join(CANARY_DOMAINS))
SILENT_TEXT = "⚠ DNS does not answer here"
SILENT_SAID = "DNS does not answer here: mail hosts stay unknown, earlier answers stay"
SILENT_EXPLAINED = (
    "The DNS server does not answer: mail hosts stay unknown and earlier answers stay. Check "
    "the network, or switch to Tools ▸ Work offline."
)


class DnsNotice(QWidget):
    """A status-bar notice: shown at the first untrustworthy (or silent) DNS of a session."""

    announced = Signal(str)  # a short status message, once per showing

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dnsNotice")
        self.times_shown = 0
        self.dismissed = False
        self.problem: str | None = None  # "untrusted" | "silent" | None
        self.label = QToolButton()  # a click explains it
        self.label.setObjectName("dnsNoticeText")
        self.label.setAutoRaise(True)
        self.label.clicked.connect(self.explain)
        self.explanation = ""
        self.close_button = QToolButton()
        self.close_button.setObjectName("dnsNoticeClose")
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Hide this notice for this session")
        self.close_button.clicked.connect(self.dismiss)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.label)
        lay.addWidget(self.close_button)
        self.hide()

    def take_result(self, result: object) -> None:
        # only a domain check makes these, and a check imports their module first: the
        # window's start (whose tasks' results pass by here too) does without it
        checks = sys.modules.get("app.golook.checks")
        if checks is None:
            return
        if isinstance(result, checks.ContactsCheck):
            self.follow(result.domains)
        elif isinstance(result, checks.DomainBatch):
            self.follow(result)

    def follow(self, batch: DomainBatch) -> None:
        if batch.untrusted:
            self._show_problem("untrusted")
        elif batch.gave_up:
            self._show_problem("silent")
        elif batch.queried > batch.failed:  # DNS answered, and was believed
            self.problem = None
            self.hide()

    def _show_problem(self, problem: str) -> None:
        if self.dismissed or self.problem == problem:
            return
        self.problem = problem
        text, said, explained = (
            (UNTRUSTED_TEXT, UNTRUSTED_SAID, UNTRUSTED_EXPLAINED)
            if problem == "untrusted"
            else (SILENT_TEXT, SILENT_SAID, SILENT_EXPLAINED)
        )
        self.explanation = explained
        self.label.setText(text)
        self.label.setToolTip(explained)
        self.setToolTip(explained)
        self.show()
        self.times_shown += 1
        self.announced.emit(said)

    def explain(self) -> None:
        message_box.information(self.window(), "Go look: DNS", self.explanation)

    def dismiss(self) -> None:
        self.dismissed = True
        self.hide()

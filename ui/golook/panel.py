"""The go-look section of the detail panel: verdict, evidence, persona reasons, links, re-check.

It shows the evidence of the contact the detail panel pushes (``ContactView.golook``: cached
DNS only). "Check again" asks DNS on a worker (``api.tasks``) and announces the contact as
changed when the answer is back, so the panel pushes it again. The window never waits.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.golook.checks import DomainBatch, check_domains
from app.golook.dns_check import DomainAnswer, load_dns_config
from app.golook.evidence import CLASS_LABELS, GoLook, mail_text, verdict_of
from app.timeutil import local_text
from ui.api import WindowApi
from ui.contrast import readable_on_base
from ui.detail_sections import ContactSection
from ui.flow_layout import FlowLayout
from ui.line_breaks import WrappedLabel
from ui.links import open_link
from ui.theme import follow_palette

if TYPE_CHECKING:
    from app.contact_view import ContactView

# persona outcome -> (mark, colour as designed for a light window; shown made readable on the
# palette's Base: readable_on_base)
OUTCOME_MARKS = {"pass": ("✓", "#2E7D32"), "fail": ("✗", "#C62828"), "unknown": ("?", "#66717F")}


def outcome_mark(outcome: str) -> tuple[str, QColor]:
    """The mark of a persona criterion's outcome and its colour, readable (4.5:1) on the
    application palette's Base and AlternateBase, light or dark."""
    mark, colour = OUTCOME_MARKS.get(outcome, OUTCOME_MARKS["unknown"])
    return mark, readable_on_base(colour)


def _plain(text: str = "", name: str | None = None) -> QLabel:
    label = WrappedLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


class GoLookPanel(ContactSection):
    """Shows the evidence for one contact (pushed by the detail panel: ``show_view``)."""

    def __init__(self, api: WindowApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.api = api
        self.setObjectName("goLookPanel")
        self.contact_id: int | None = None
        self.evidence: GoLook | None = None
        self.checking: set[str] = set()  # domains being asked right now
        # answers from "Check again" that are not cached (timeout, error, offline): shown until
        # the cache holds a newer answer for the domain
        self.unsaved: dict[str, DomainAnswer] = {}
        self.read_only = False  # nothing can be changed: Check again (it stores) greyed out

        self.verdict = _plain("", "goLookVerdict")
        font = self.verdict.font()
        font.setBold(True)
        self.verdict.setFont(font)

        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for key, title in (
            ("address", "Address"),
            ("domain", "Domain"),
            ("class", "Kind"),
            ("mail", "Mail"),
            ("mx", "MX hosts"),
            ("checked", "Checked"),
            ("website", "Website"),
        ):
            label = _plain("", f"goLook_{key}")
            self.fields[key] = label
            form.addRow(title, label)

        self.reasons = QTreeWidget()
        self.reasons.setObjectName("personaReasons")
        self.reasons.setHeaderLabels(["", "Criterion", "Why"])
        self.reasons.setRootIsDecorated(False)
        self.reasons.setMinimumHeight(90)
        self.persona_title = _plain("", "goLookPersona")

        self.open_button = QPushButton("Open website")
        self.open_button.setObjectName("openWebsite")
        self.open_button.clicked.connect(self.open_website)
        self.search_button = QPushButton("Search the web")
        self.search_button.setObjectName("searchWeb")
        self.search_button.clicked.connect(self.search_web)
        self.check_button = QPushButton("Check again")
        self.check_button.setObjectName("checkAgain")
        self.check_button.setToolTip("Ask DNS again where this domain's mail goes")
        self.check_button.clicked.connect(self.check_again)
        self.open_button.setToolTip("Open the contact's website in the browser")
        self.search_button.setToolTip("Search the web for this contact and company")
        # the buttons wrap onto a second line in a narrow panel (in one row they set its
        # minimum width: beside a 1024 px wide list it then left room for three columns)
        buttons = FlowLayout(spacing=6, align_last=True)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.search_button)
        buttons.addWidget(self.check_button)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        lay.addWidget(self.verdict)
        lay.addLayout(form)
        lay.addWidget(self.persona_title)
        lay.addWidget(self.reasons)
        lay.addLayout(buttons)
        # the marks' colours are the palette's: made again when the system turns dark or light
        follow_palette(self, lambda _palette: "", changed=self._fill)

    def set_read_only(self, read_only: bool) -> None:
        """While nothing can be changed the links to go and look stay (they only read);
        Check again, which stores what DNS answers, is greyed out."""
        self.read_only = read_only
        self._fill()

    # --- showing -----------------------------------------------------------------------
    def show_view(self, view: ContactView | None) -> None:
        self.contact_id = view.id if view is not None else None
        self.evidence = self._with_unsaved(view.golook) if view is not None else None
        self._fill()

    def _with_unsaved(self, g: GoLook) -> GoLook:
        """The evidence, with the answer of a "Check again" that could not be cached (timeout,
        offline) — until the cache holds a newer answer for the domain."""
        domain = g.address.registrable_domain if g.address.valid else None
        mine = self.unsaved.get(domain or "")
        if domain is None or mine is None:
            return g
        kept = g.dns
        if kept is not None and (
            mine.checked_at is None or (kept.checked_at and kept.checked_at >= mine.checked_at)
        ):
            del self.unsaved[domain]
            return g
        shown = replace(g, dns=mine)
        return replace(shown, verdict=verdict_of(shown))

    def _fill(self) -> None:
        g = self.evidence
        if g is None:
            self.verdict.setText("")
            for label in self.fields.values():
                label.setText("")
            self.reasons.clear()
            self.persona_title.setText("")
            for button in (self.open_button, self.search_button, self.check_button):
                button.setEnabled(False)
            return
        a, d = g.address, g.dns
        self.verdict.setText(g.verdict)
        if a.domain_class is None:
            address = "no e-mail address"
        elif a.valid:
            address = a.normalized_email or ""
            if a.role_account:
                address += "  (role address: a function, not a person)"
        else:
            address = f"{g.email} — {a.reason}"
        self.fields["address"].setText(address)
        domain = a.registrable_domain or ""
        if a.domain and a.registrable_domain and a.domain != a.registrable_domain:
            domain = f"{a.registrable_domain} (from {a.domain})"
        self.fields["domain"].setText(domain or "—")
        kind = CLASS_LABELS.get(a.domain_class or "", "—") if a.domain_class else "—"
        if a.overridden:
            kind += " (your setting)"
        if a.typo_of:
            kind += f" — probably a typo of {a.typo_of}"
        self.fields["class"].setText(kind)
        checking = bool(a.registrable_domain and a.registrable_domain in self.checking)
        if not a.valid:
            mail = "—"
        elif checking:
            mail = "checking…"
        else:
            mail = mail_text(d)
            if d is not None and d.detail and d.detail not in mail:
                mail += f" ({d.detail})"
        self.fields["mail"].setText(mail)
        self.fields["mx"].setText(", ".join(d.mx) if d and d.mx else "—")
        self.fields["checked"].setText(
            local_text(d.checked_at) if d and d.cacheable and d.checked_at else "—"
        )
        site = g.website or "—"
        if g.domain_mismatch:
            site += f"  (not the e-mail's domain {a.registrable_domain})"
        self.fields["website"].setText(site)
        self._fill_persona(g)
        self.open_button.setEnabled(g.website is not None)
        self.search_button.setEnabled(g.search_url is not None)
        self.check_button.setEnabled(
            bool(a.valid and a.registrable_domain) and not checking and not self.read_only
        )
        self.check_button.setText("Checking…" if checking else "Check again")

    def _fill_persona(self, g: GoLook) -> None:
        self.reasons.clear()
        fit = g.persona
        if fit is None:
            self.persona_title.setText("No persona fits (Tools ▸ Personas… to define them)")
            self.reasons.hide()
            return
        self.persona_title.setText(f'Best fit: "{fit.persona}" {fit.ratio_text}')
        self.reasons.show()
        for r in fit.results:
            mark, colour = outcome_mark(r.outcome)
            item = QTreeWidgetItem([mark, r.label, r.reason])
            item.setForeground(0, QBrush(colour))
            item.setToolTip(0, r.outcome)
            item.setToolTip(2, r.reason)
            self.reasons.addTopLevelItem(item)
        self.reasons.resizeColumnToContents(0)
        self.reasons.resizeColumnToContents(1)

    # --- actions -----------------------------------------------------------------------
    def open_website(self) -> None:
        if self.evidence is not None and self.evidence.website:
            open_link(self, self.evidence.website)

    def search_web(self) -> None:
        if self.evidence is not None and self.evidence.search_url:
            open_link(self, self.evidence.search_url)

    def check_again(self) -> None:
        """Ask DNS again for this contact's domain, in the background."""
        g = self.evidence
        if g is None or not g.address.valid or not g.address.registrable_domain:
            return
        domain = g.address.registrable_domain
        if domain in self.checking:
            return
        api, db = self.api, self.api.db
        self.checking.add(domain)
        self._fill()

        def ask() -> DomainBatch:
            return check_domains(db, [domain], load_dns_config(db), refresh=True)

        def finished(result: DomainBatch) -> None:
            self.checking.discard(domain)
            answer = result.answers.get(domain)
            if answer is not None and not answer.from_cache and not answer.cacheable:
                self.unsaved[domain] = answer
            else:
                self.unsaved.pop(domain, None)
            if result.failed and answer is not None and answer.detail:
                api.show_status(f"{domain}: {answer.detail}", 8000)
            g = self.evidence
            if answer is not None and g is not None and g.address.registrable_domain == domain:
                # only the cached DNS answer changed (nothing on the contact row): show it here
                shown = replace(g, dns=answer)
                self.evidence = replace(shown, verdict=verdict_of(shown))
            self._fill()

        def failed(exc: BaseException) -> None:
            self.checking.discard(domain)
            api.show_status(f"Could not check {domain}: {exc}", 6000)
            self._fill()

        api.tasks.run(ask, on_done=finished, on_error=failed, label=f"Checking {domain}")

"""Issue 13, dark mode: the go-look panel's persona marks and the new-contact form's duplicate
warning take their colours from the palette in use; their text keeps 4.5:1 in Winnow's light
and dark palettes and in a desktop's own dark one (KDE's Breeze Dark) — also after the system
turns dark or light while they are shown."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.contact_view import ContactView, load_contact_view
from app.contacts import create_contact
from app.duplicates import DuplicatePair
from app.golook.personas import CriterionResult, PersonaFit
from db.engine import Database
from tests.ui.test_dark_palette import ground, palette
from ui.contrast import contrast_ratio
from ui.theme import DARK, LIGHT, apply_theme, make_palette

pytestmark = pytest.mark.gui
__all__ = ["palette"]  # fixture used by the tests below (each of the palettes in turn)

Role = QPalette.ColorRole


def _other(palette: QPalette) -> QPalette:
    """The opposite palette: dark for a light one, light for a dark one."""
    return make_palette(DARK if palette.color(Role.Window).lightness() >= 128 else LIGHT)


# --- go look: the persona's ✓ ✗ ? -----------------------------------------------------------


def _evidence(db: Database) -> ContactView:
    """A contact whose persona fit has a criterion passed, one failed and one unknown."""
    cid = create_contact(db, name="Anna Weiß", email="anna@acme-werk.de", title="Engineer")
    view = load_contact_view(db, cid)
    fit = PersonaFit(
        "Plant buyer",
        1,
        3,
        (
            CriterionResult("title", "Job title", "fail", "title 'Engineer' has none of buyer"),
            CriterionResult("branded", "Branded address", "pass", "company e-mail address"),
            CriterionResult("country", "Country", "unknown", "no country given"),
        ),
    )
    return replace(view, golook=replace(view.golook, persona=fit))


def _marks(panel: Any) -> dict[str, QColor]:
    tree = panel.reasons
    marks = {}
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        marks[item.toolTip(0)] = item.foreground(0).color()
    return marks


def test_persona_marks_read_on_the_panel(qtbot: Any, palette: QPalette, db: Database) -> None:
    from ui.golook.panel import GoLookPanel

    panel = GoLookPanel(None)  # type: ignore[arg-type]  # the api is only asked by the buttons
    qtbot.addWidget(panel)
    panel.show_view(_evidence(db))
    panel.show()
    marks = _marks(panel)
    assert set(marks) == {"pass", "fail", "unknown"}
    for ground_role in (Role.Base, Role.AlternateBase):
        on = palette.color(ground_role)
        for outcome, color in marks.items():
            assert contrast_ratio(color, on) >= 4.5, (outcome, color.name(), on.name())
    # the system turns dark (or light) while the panel shows them: the marks follow
    other = _other(palette)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, other)
    QApplication.processEvents()
    for outcome, color in _marks(panel).items():
        assert contrast_ratio(color, other.color(Role.Base)) >= 4.5, (outcome, color.name())


# --- the new-contact form's duplicate warning -------------------------------------------------


def _pair() -> DuplicatePair:
    return DuplicatePair(
        ids=(7, 0), reasons=("same e-mail address",), score=90, names=("Jürgen", "")
    )


def _warning_reads(warning: Any) -> None:
    """The warning's text and its link read on the fill it is painted on (measured)."""
    from ui.leads.duplicate_warning import warning_colors
    from ui.theme import current_palette

    image = warning.grab().toImage()
    fill = ground(image, image.rect())
    text = warning.text.palette().color(warning.text.foregroundRole())
    assert contrast_ratio(text, fill) >= 4.5, (text.name(), fill.name())
    link = warning_colors(current_palette())["link"]
    assert f"color: {link.name()}" in warning.text.text()
    assert contrast_ratio(link, fill) >= 4.5, (link.name(), fill.name())


def test_the_duplicate_warning_reads_in_the_palette(
    qtbot: Any, palette: QPalette, db: Database
) -> None:
    from ui.leads.duplicate_warning import DuplicateWarning

    warning = DuplicateWarning(db)
    qtbot.addWidget(warning)
    warning.resize(420, 120)
    warning._show([_pair()])
    QApplication.processEvents()
    fill = ground(warning.grab().toImage(), warning.rect())
    # a fill of the palette's kind: light on a light palette, dark on a dark one
    dark = palette.color(Role.Window).lightness() < 128
    assert (fill.lightness() < 128) == dark, fill.name()
    _warning_reads(warning)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, _other(palette))
    QApplication.processEvents()
    _warning_reads(warning)

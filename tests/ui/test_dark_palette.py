"""Dark mode: the board's cards and the qualification sections (BANT, follow-up, score) follow
the application palette, and every text they draw keeps a contrast of at least 4.5:1 against
what it is drawn on — measured on the rendered pixels, in the light and the dark palette."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF, QRect, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QToolButton, QVBoxLayout, QWidget

from app.contact_view import ContactView, load_contact_view
from app.contacts import ContactRow, create_contact
from app.scoring_rules import ScoreItem
from app.timeutil import utcnow
from db.engine import Database
from tests.cli_process import winnow_offscreen
from ui.contrast import contrast_ratio
from ui.theme import DARK, LIGHT, apply_theme, make_palette

pytestmark = pytest.mark.gui

Role = QPalette.ColorRole
# a desktop's own dark palette (KDE's Breeze Dark): the window keeps it (ui.theme.system_palette)
BREEZE_DARK = {
    Role.Window: "#2A2E32",
    Role.WindowText: "#FCFCFC",
    Role.Base: "#1B1E20",
    Role.AlternateBase: "#232629",
    Role.Text: "#FCFCFC",
    Role.Button: "#31363B",
    Role.ButtonText: "#FCFCFC",
    Role.Highlight: "#3DAEE9",
    Role.HighlightedText: "#FCFCFC",
    Role.ToolTipBase: "#31363B",
    Role.ToolTipText: "#FCFCFC",
    Role.PlaceholderText: "#A1A9B1",
    Role.Link: "#1D99F3",
    Role.Light: "#40464C",
    Role.Midlight: "#363B40",
    Role.Mid: "#24282B",
    Role.Dark: "#1A1D1F",
    Role.Shadow: "#0F1011",
}
PALETTES = {"light": LIGHT, "dark": DARK, "breeze-dark": BREEZE_DARK}


@pytest.fixture(params=list(PALETTES))
def palette(request: Any, qapp: Any) -> Iterator[QPalette]:
    """The application in Winnow's light or dark palette (and its style sheet); the palette
    and the sheet the other tests run with come back afterwards."""
    from ui.application import make_app

    app = make_app()
    before, sheet = QPalette(app.palette()), app.styleSheet()
    chosen = apply_theme(app, make_palette(PALETTES[request.param]))
    try:
        yield chosen
    finally:
        app.setPalette(before)
        app.setStyleSheet(sheet)


def ground(image: QImage, rect: QRect | QRectF) -> QColor:
    """The colour a text sits on: the commonest pixel of its box (glyphs cover less of it)."""
    r = QRectF(rect).toAlignedRect().intersected(image.rect())
    counts: Counter[int] = Counter(
        image.pixel(x, y)
        for y in range(r.top(), r.bottom() + 1)
        for x in range(r.left(), r.right() + 1)
    )
    return QColor.fromRgb(counts.most_common(1)[0][0])


def is_dark_ground(color: QColor) -> bool:
    return color.lightness() < 100


# --- the board's card --------------------------------------------------------------------------


class RecordingPainter(QPainter):
    """Paints as usual and notes each text: (text, pen colour, its box)."""

    def __init__(self, image: QImage) -> None:
        super().__init__(image)
        self.texts: list[tuple[str, QColor, QRectF]] = []

    def drawText(self, *args: Any) -> None:  # type: ignore[override]
        if len(args) == 3 and isinstance(args[0], QRectF | QRect) and isinstance(args[2], str):
            self.texts.append((args[2], QColor(self.pen().color()), QRectF(args[0])))
        super().drawText(*args)


def _card_row(**kw: Any) -> ContactRow:
    values: dict[str, Any] = {
        "id": 1,
        "name": "Agnieszka Dąbrowska",
        "email": "a.dabrowska@gmail.com",
        "company": "Nord Technik GmbH",
        "title": "Quality engineer",
        "stage_key": "inquiry",
        "source": "Trade show: Hannover Messe 2026",
        "created_at": utcnow(),
        "score": 34,
        "domain_class": "freemail",
        "sales_ready": False,
        "response_due_at": None,
        "first_response_at": None,
        "next_action_at": None,
        "persona_name": None,
        "persona_fit": None,
    }
    values.update(kw)
    return ContactRow(**values)


CARDS: dict[str, dict[str, Any]] = {
    "plain": dict(),
    "sales-ready, overdue, branded": dict(sales_ready=True, score=72, domain_class="branded"),
    "invalid address": dict(domain_class="invalid", score=-5),
    "disposable": dict(domain_class="disposable"),
}


@pytest.mark.parametrize("kind", list(CARDS))
@pytest.mark.parametrize("selected", [False, True], ids=["", "selected"])
def test_card_text_reads_on_the_card(palette: QPalette, kind: str, selected: bool) -> None:
    from ui.kanban.card_delegate import CardDelegate
    from ui.kanban.column_model import Card

    delegate = CardDelegate("#8E99A8")
    card = Card(
        _card_row(**CARDS[kind]),
        overdue="overdue" in kind,
        marks={"bant": ["yes", "no", "unknown", "unknown"]},
    )
    height = delegate.card_height
    image = QImage(300, height, QImage.Format.Format_RGB32)
    image.fill(palette.color(QPalette.ColorRole.Window))  # the board behind the card
    p = RecordingPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    delegate.paint_card(p, QRect(0, 0, 300, height), card, selected=selected)
    p.end()
    card_ground = QColor(image.pixel(300 - 12, height // 2))  # inside, right of the texts
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    assert is_dark_ground(card_ground) == dark, "a light card on a dark board (or the reverse)"
    drawn = {text for text, _c, _r in p.texts}
    assert {"Agnieszka Dąbrowska", "Quality engineer · Nord Technik GmbH"} <= drawn
    assert any(t.startswith("Trade show") for t in drawn)  # the source, the faintest text
    low = {
        text: round(contrast_ratio(color, ground(image, rect)), 2)
        for text, color, rect in p.texts
        if contrast_ratio(color, ground(image, rect)) < 4.5
    }
    assert low == {}


@pytest.mark.parametrize("ratio", [1.0, 2.0])
def test_a_card_drawn_on_its_kept_frame_is_the_card_painted_whole(
    palette: QPalette, ratio: float
) -> None:
    """The board draws each card's text on a copy of its frame (shadow, ground, stage stripe,
    border: the same for every card of a size and state, drawn once): pixel for pixel what
    painting the whole card on a clear pixmap gives, in every state, size and palette."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QPixmap

    from ui.kanban.card_delegate import CardDelegate
    from ui.kanban.column_model import Card

    delegate = CardDelegate("#3F7FBF")
    target = QPixmap(1, 1)
    target.setDevicePixelRatio(ratio)
    painter = QPainter(target)
    try:
        for kind, values in CARDS.items():
            card = Card(
                _card_row(**values), overdue="overdue" in kind, marks={"bant": ("yes", "no")}
            )
            for width in (180, 260):
                height = delegate.height_of(card, width)
                for flags in [
                    (False, False, False),
                    (True, False, False),
                    (False, True, False),
                    (False, False, True),
                    (True, True, True),
                ]:
                    whole = QPixmap(int(width * ratio), int(height * ratio))
                    whole.setDevicePixelRatio(ratio)
                    whole.fill(Qt.GlobalColor.transparent)
                    p = QPainter(whole)
                    p.setRenderHint(QPainter.RenderHint.Antialiasing)
                    delegate.paint_card(p, QRect(0, 0, width, height), card, *flags)
                    p.end()
                    for _ in range(2):  # the frame drawn, then kept
                        delegate._pixmaps.clear()
                        drawn = delegate._card_pixmap(
                            card, QRect(0, 0, width, height), flags, painter
                        )
                        assert drawn.devicePixelRatio() == ratio
                        assert drawn.toImage() == whole.toImage(), (kind, width, flags)
    finally:
        painter.end()


def test_unknown_bant_dots_stay_quiet_and_answers_stand_out(palette: QPalette) -> None:
    """Yes and no dots stand out (3:1, as graphics must); "not known yet" is the quietest."""
    from ui.marks import paint_bant_marks

    base = palette.color(QPalette.ColorRole.Base)
    image = QImage(60, 12, QImage.Format.Format_RGB32)
    image.fill(base)
    p = QPainter(image)
    paint_bant_marks(p, 58, 6, ["yes", "no", "unknown"], size=8, gap=10)
    p.end()
    # the dots' centres: 58 - 3 * 8 - 2 * 10 = 14 is where the first one starts
    yes, no, unknown = (QColor(image.pixel(x, 6)) for x in (18, 36, 54))
    assert contrast_ratio(yes, base) >= 3.0
    assert contrast_ratio(no, base) >= 3.0
    assert contrast_ratio(unknown, base) < min(contrast_ratio(yes, base), contrast_ratio(no, base))
    assert unknown != base  # still visible


# --- the qualification sections --------------------------------------------------------------


def _view(db: Database, consent: str) -> ContactView:
    """A contact whose sections show every coloured text: answered and unanswered BANT
    criteria, points won and lost with the Sales-ready badge, an overdue response and
    consent given or withdrawn."""
    cid = create_contact(
        db,
        name="Anna Weiß",
        email="anna.weiss@acme-werk.de",
        title="Plant manager",
        stage="inquiry",
    )
    view = load_contact_view(db, cid)
    answers = ["yes", "no", "unknown", "yes"]
    bant = replace(
        view.bant,
        items=tuple(
            replace(item, answer=answers[i % len(answers)])
            for i, item in enumerate(view.bant.items)
        ),
    )
    score = replace(
        view.score,
        score=72,
        sales_ready=True,
        items=(
            ScoreItem("Branded company address (acme-werk.de)", 15),
            ScoreItem("Free-mail", -10),
        ),
    )
    now = utcnow()
    detail = replace(
        view.detail,
        received_at=now - timedelta(days=3),
        response_due_at=now - timedelta(days=2),
        first_response_at=None,
        consent=consent,
        consent_at=now - timedelta(days=1),
        consent_how="web form",
    )
    return replace(view, bant=bant, score=score, detail=detail)


def _texts(widget: QWidget) -> list[tuple[str, QWidget]]:
    shown: list[tuple[str, QWidget]] = []
    for child in widget.findChildren(QWidget):
        if not child.isVisibleTo(widget):
            continue
        if isinstance(child, QLabel | QToolButton) and child.text():
            shown.append((child.text(), child))
    return shown


def _text_color(widget: QWidget) -> QColor:
    role = (
        QPalette.ColorRole.ButtonText
        if isinstance(widget, QToolButton)
        else widget.foregroundRole()
    )
    return widget.palette().color(role)


@pytest.mark.parametrize("consent", ["granted", "withdrawn"])
def test_qualification_sections_read_in_the_palette(
    qtbot: Any, palette: QPalette, db: Database, consent: str
) -> None:
    from ui.qualification import BantEditor, FollowUpView, ScoreBreakdownView

    view = _view(db, consent)
    panel = QFrame()
    panel.setObjectName("section")  # the detail panel's sections: the palette's Base
    lay = QVBoxLayout(panel)
    bant = BantEditor(db, apply=lambda *_a: None)
    score = ScoreBreakdownView()
    followup = FollowUpView()
    for section in (bant, score, followup):
        lay.addWidget(section)
        section.show_view(view)
    qtbot.addWidget(panel)
    panel.resize(520, panel.sizeHint().height())
    panel.show()
    qtbot.waitExposed(panel)
    bant.setFocus()  # the current criterion's name is marked
    qtbot.wait(20)
    QApplication.processEvents()
    image = panel.grab().toImage()
    ratio = image.devicePixelRatio()
    base = palette.color(QPalette.ColorRole.Base)
    assert is_dark_ground(ground(image, image.rect())) == is_dark_ground(base)
    texts = _texts(panel)
    shown = {text for text, _w in texts}
    assert {"72", "Sales-ready", "Yes", "No", "?"} <= shown
    assert any("overdue by" in t for t in shown)
    assert any(t.startswith(consent.capitalize()) for t in shown)
    low: dict[str, float] = {}
    for text, widget in texts:
        top_left = widget.mapTo(panel, widget.rect().topLeft())
        box = QRectF(QPointF(top_left) * ratio, widget.rect().size().toSizeF() * ratio)
        behind = ground(image, box.adjusted(2, 2, -2, -2))
        ratio_here = contrast_ratio(_text_color(widget), behind)
        if ratio_here < 4.5:
            low[f"{widget.objectName() or type(widget).__name__}: {text}"] = round(ratio_here, 2)
    # the points won and lost in the score's lines
    for row in range(score.lines.topLevelItemCount()):
        item = score.lines.topLevelItem(row)
        assert item is not None
        color = item.foreground(1).color()
        for role in (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase):
            if contrast_ratio(color, palette.color(role)) < 4.5:
                low[f"points {item.text(1)}"] = round(contrast_ratio(color, palette.color(role)), 2)
    assert low == {}


def test_sections_follow_a_palette_change(qtbot: Any, palette: QPalette, db: Database) -> None:
    """The system turns dark (or light) while the panel is open: the sections' own colours
    follow at once (their style sheets are made from the palette in use)."""
    from ui.qualification import BantEditor, ScoreBreakdownView

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    view = _view(db, "granted")
    score = ScoreBreakdownView()
    bant = BantEditor(db, apply=lambda *_a: None)
    for section in (score, bant):
        qtbot.addWidget(section)
        section.show_view(view)
        section.show()
    other = make_palette(
        DARK if palette.color(QPalette.ColorRole.Window).lightness() >= 128 else LIGHT
    )
    apply_theme(app, other)
    QApplication.processEvents()
    base = other.color(QPalette.ColorRole.Base)
    value = score.value.palette().color(score.value.foregroundRole())
    assert contrast_ratio(value, base) >= 4.5, value.name()
    yes = next(b for b in bant.findChildren(QToolButton) if b.isChecked() and b.text() == "Yes")
    fill = yes.grab().toImage()
    assert contrast_ratio(_text_color(yes), ground(fill, fill.rect())) >= 4.5
    points = score.lines.topLevelItem(0)
    assert points is not None
    assert contrast_ratio(points.foreground(1).color(), base) >= 4.5


# --- the board's own style sheet (ui.kanban.style, for the board to adopt) --------------------

BOARD_TEXT = [
    ("name", "column"),
    ("count", "count_fill"),
    ("collapse", "column"),
    ("collapse_hover", "collapse_hover_fill"),
    ("hint", "strip"),
    ("filter", "filter_fill"),
]


def test_board_colours_follow_the_palette(palette: QPalette) -> None:
    from ui.kanban.style import board_colors, board_style

    b = board_colors(palette)
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    for ground_name in ("strip", "column", "count_fill", "filter_fill"):
        assert is_dark_ground(QColor(b[ground_name])) == dark, ground_name
    low = {
        f"{fg} on {bg}": round(contrast_ratio(b[fg], b[bg]), 2)
        for fg, bg in BOARD_TEXT
        if contrast_ratio(b[fg], b[bg]) < 4.5
    }
    assert low == {}
    sheet = board_style(palette)
    assert all(b[name] in sheet for name in ("strip", "column", "filter"))


# --- the triage card's chips -------------------------------------------------------------------


def test_triage_chips_read_in_the_palette(qtbot: Any, palette: QPalette, db: Database) -> None:
    """Stage chips (the stage's own colour), address chips and score / due chips: their text
    reads at 4.5:1 on the chip as painted, and a chip follows a later palette change."""
    from app.stages import list_stages
    from ui.contact_table import DOMAIN_BADGES
    from ui.triage.card import Chip, address_chip, soft_chip, stage_chip

    chips: list[Chip] = [stage_chip(s.name, s.color) for s in list_stages(db)]
    chips += [stage_chip("Light stage", "#F2E96B"), stage_chip("Mid stage", "#8E99A8")]
    chips += [address_chip(label, color) for label, color in DOMAIN_BADGES.values()]
    chips += [
        soft_chip("Score 72 · sales-ready", "#1B5E20", "#E3F4E8"),
        soft_chip("Score 5", "#334E68", "#EDF1F6"),
        soft_chip("Answer due 2026-12-01 09:00", "#8A1C1C", "#FDECEA"),
    ]
    low: dict[str, float] = {}
    for chip in chips:
        qtbot.addWidget(chip)
        chip.resize(chip.sizeHint())
        image = chip.grab().toImage()
        fill = QColor(image.pixel(image.width() // 2, 2))  # above the glyphs, inside the pill
        fg, bg = chip.colors()
        assert fill.rgb() == bg.rgb(), chip.text  # what is painted is what was measured
        if contrast_ratio(fg, fill) < 4.5:
            low[chip.text] = round(contrast_ratio(fg, fill), 2)
    assert low == {}
    soft = chips[-1]
    before = soft.colors()[1]
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    apply_theme(app, make_palette(LIGHT if dark else DARK))
    assert is_dark_ground(soft.colors()[1]) != is_dark_ground(before)


# --- check boxes and radio buttons -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["check box", "radio button"])
def test_an_unticked_box_can_be_seen(qtbot: Any, palette: QPalette, kind: str) -> None:
    """An unticked check box or radio button (Dashboard's Cohort view, the personas'
    seniority, the import's duplicates choice) shows its outline against the window at 3:1
    or more (WCAG's contrast for a control). Fusion drew it in the window's colour darkened:
    1.7:1 in the light palette, 1.1:1 in the dark one, where the box was not to be seen."""
    from PySide6.QtWidgets import QCheckBox, QRadioButton, QStyle, QStyleOptionButton

    box = QCheckBox("Cohort view") if kind == "check box" else QRadioButton("Skip them")
    qtbot.addWidget(box)
    box.resize(box.sizeHint())
    box.show()
    image = box.grab().toImage()
    option = QStyleOptionButton()
    box.initStyleOption(option)
    element = (
        QStyle.SubElement.SE_CheckBoxIndicator
        if kind == "check box"
        else QStyle.SubElement.SE_RadioButtonIndicator
    )
    r = box.style().subElementRect(element, option, box)
    window = box.palette().color(QPalette.ColorRole.Window)
    outline = max(
        contrast_ratio(QColor.fromRgb(image.pixel(x, y)), window)
        for x in range(r.left(), r.right() + 1)
        for y in range(r.top(), r.bottom() + 1)
    )
    assert outline >= 3.0, f"the {kind}'s outline at {outline:.2f}:1"


# --- a desktop's palette with faint text ---------------------------------------------------


def test_faint_desktop_text_is_made_readable(qapp: Any) -> None:
    """A desktop palette whose placeholder text is Qt's default half-transparent black (3.9:1
    on white once painted) or whose links are pale: the window gets them readable; Winnow's
    own palettes are kept as they are."""
    from ui.contrast import flatten
    from ui.theme import legible_palette

    for colors in (LIGHT, DARK, BREEZE_DARK):
        given = make_palette(colors)
        kept = legible_palette(given)
        for role in (Role.Text, Role.PlaceholderText, Role.Link):
            assert kept.color(role).rgba() == given.color(role).rgba(), role
    faint = make_palette(LIGHT)
    faint.setColor(Role.PlaceholderText, QColor(0, 0, 0, 128))
    faint.setColor(Role.Link, QColor("#8AB4F8"))
    base = faint.color(Role.Base)
    assert contrast_ratio(flatten(faint.color(Role.PlaceholderText), base), base) < 4.5
    fixed = legible_palette(faint)
    for role in (Role.PlaceholderText, Role.Link):
        shown = fixed.color(role)
        assert shown.alpha() == 255
        for ground_role in (Role.Base, Role.AlternateBase):
            assert contrast_ratio(shown, fixed.color(ground_role)) >= 4.5, role


def test_the_window_follows_the_desktop_turning_dark(qtbot: Any, db: Database) -> None:
    """The desktop's colour scheme changes while Winnow runs (Qt's hint): the palette, the
    style sheet and a score already shown follow, and back again."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    from ui.application import make_app
    from ui.qualification import ScoreBreakdownView

    app = make_app()
    before, sheet = QPalette(app.palette()), app.styleSheet()
    hints = QGuiApplication.styleHints()
    score = ScoreBreakdownView()
    qtbot.addWidget(score)
    score.show_view(_view(db, "granted"))
    score.show()
    try:
        for scheme, dark in ((Qt.ColorScheme.Dark, True), (Qt.ColorScheme.Light, False)):
            hints.colorSchemeChanged.emit(scheme)
            QApplication.processEvents()
            window = app.palette().color(QPalette.ColorRole.Window)
            assert is_dark_ground(window) == dark
            base = app.palette().color(QPalette.ColorRole.Base)
            value = score.value.palette().color(score.value.foregroundRole())
            assert contrast_ratio(value, base) >= 4.5, (scheme, value.name())
    finally:
        app.setPalette(before)
        app.setStyleSheet(sheet)


# --- winnow screenshot --dark -------------------------------------------------------------


def test_screenshots_in_the_dark_palette(tmp_path: Path) -> None:
    """``winnow screenshot DIR --dark`` pictures the window in the dark palette (run in a
    process of its own, as a user runs it): the list, the sidebar, the triage card and the
    board's cards are dark."""
    db_file = tmp_path / "demo.sqlite"
    made = winnow_offscreen(
        "--db", str(db_file), "demo", "--contacts", "120", "--seed", "5", "--quiet"
    )
    assert made.returncode == 0, made.stderr
    out = tmp_path / "shots"
    done = winnow_offscreen(
        "--db", str(db_file), "screenshot", str(out), "--dark", "--size", "1024x700"
    )
    assert done.returncode == 0, done.stderr
    places = {
        "list.png": [(60, 450), (600, 450)],  # the sidebar, the list
        "triage.png": [(512, 300)],  # the card
    }
    for name, points in places.items():
        image = QImage(str(out / name))
        for x, y in points:
            assert image.pixelColor(x, y).lightness() < 100, (name, x, y)
    board = QImage(str(out / "kanban.png"))
    # down the first column: mostly cards (the gaps between them show the column)
    down = [board.pixelColor(330, y).lightness() < 100 for y in range(220, 620, 10)]
    assert sum(down) > len(down) * 0.7

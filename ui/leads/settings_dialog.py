"""Tools ▸ Settings: stages (rename, recolour, reorder, add, hide), BANT criteria (add, rename,
require, remove), response times per kind of inbound activity, campaign reach per source and
the default phone region of imports. Every change is one operation (Edit ▸ Undo takes it
back), and the pages follow any change made meanwhile (an Undo, another window)."""

from __future__ import annotations

import phonenumbers
from PySide6.QtCore import QLocale, QSize
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import contacts, followup, operations, qualification, stages
from app.activities import ACTIVITY_TYPES, INBOUND_TYPES
from app.importing.phones import locale_region
from app.importing.service import PHONE_REGION_SETTING, default_phone_region
from app.operations import Changes
from app.stage_visibility import hidden_keys, set_stage_hidden
from ui.api import WindowApi
from ui.contrast import readable_on_base
from ui.line_breaks import KeepHyphensDelegate, WrappedLabel
from ui.list_fit import button_row, list_with_buttons
from ui.sidebar import color_dot

SHARE_OF_WINDOW = 0.9  # the dialog's height at most this share of the window it opens over


def save_row(button: QPushButton) -> QHBoxLayout:
    """A page's Save button at the page's bottom right, as wide as its words (a bar across
    the whole page looked like a prototype's)."""
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(button)
    return row


class ResponseTimesPage(QWidget):
    """Hours to answer each kind of inbound activity (the response clock's due time)."""

    def __init__(self, api: WindowApi) -> None:
        super().__init__()
        self.api = api
        self.spins: dict[str, QDoubleSpinBox] = {}
        form = QFormLayout(self)
        # a number's field as wide as a number (stretched across the dialog, "24.00 h" sat
        # at the left of a 580 px box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        note = WrappedLabel(
            "Hours to answer each kind of inquiry. A demo request or a request for a sales "
            "contact needs an answer within the hour; a white-paper download does not."
        )
        note.setWordWrap(True)
        form.addRow(note)
        for kind in INBOUND_TYPES:
            spin = QDoubleSpinBox()
            spin.setRange(0.25, 24 * 60)
            spin.setSuffix(" h")
            self.spins[kind] = spin
            form.addRow(ACTIVITY_TYPES[kind], spin)
        save = QPushButton("Save response times")
        save.clicked.connect(self.save)
        form.addRow(save_row(save))
        self.reload()

    def reload(self, _result: object = None) -> None:
        current = followup.sla_by_kind(self.api.db)
        for kind, spin in self.spins.items():
            spin.setValue(current.get(kind, followup.DEFAULT_SLA_HOURS))

    def values(self) -> dict[str, float]:
        return {k: float(s.value()) for k, s in self.spins.items()}

    def save(self) -> None:
        db, values = self.api.db, self.values()

        def saved(result: object) -> None:
            if getattr(result, "value", False):  # due times move: recompute in the background
                from ui.qualification import recompute_in_background

                recompute_in_background(self.api, "Recomputing due times")

        self.api.ops.run(
            lambda: operations.save_scoring_settings(db, sla_by_kind=values), on_success=saved
        )


class ReachPage(QWidget):
    """How many prospects each outbound campaign reached (the response rate's denominator)."""

    def __init__(self, api: WindowApi) -> None:
        super().__init__()
        self.api = api
        self.table = QTableWidget(0, 2)
        self.table.setItemDelegate(KeepHyphensDelegate(self.table))  # wrapped: "E-mail" whole
        self.table.setHorizontalHeaderLabels(["Source", "Prospects reached"])
        self.table.verticalHeader().hide()
        self.spins: dict[str, QSpinBox] = {}
        self.before: dict[str, int] = {}
        save = QPushButton("Save reach")
        save.clicked.connect(self.save)
        lay = QVBoxLayout(self)
        list_with_buttons(lay, self.table, save_row(save))
        self.reload()

    def reload(self, _result: object = None) -> None:
        from app.metrics import source_reach

        reached = source_reach(self.api.db)
        names = sorted({n for n, _c in contacts.distinct_sources(self.api.db)} | set(reached))
        self.before = dict(reached)
        self.spins = {}
        self.table.setRowCount(len(names))
        for r, name in enumerate(names):
            self.table.setItem(r, 0, QTableWidgetItem(name))
            spin = QSpinBox()
            spin.setRange(0, 100_000_000)
            spin.setSpecialValueText("—")
            spin.setValue(reached.get(name, 0))
            self.spins[name] = spin
            self.table.setCellWidget(r, 1, spin)
        # the source takes the width, the number as wide as its field: each row as tall as
        # the field in it (it was squeezed into the text's row, its arrows cut)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        sample = QSpinBox()
        sample.setRange(0, 100_000_000)
        field = sample.sizeHint()
        self.table.setColumnWidth(
            1, max(field.width() + 8, header.sectionSizeFromContents(1).width())
        )
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(max(rows.defaultSectionSize(), field.height() + 4))
        for r in range(len(names)):
            self.table.setRowHeight(r, rows.defaultSectionSize())

    def save(self) -> None:
        """Every source changed, as one operation (one Edit ▸ Undo step)."""
        db = self.api.db
        changed = {
            name: int(spin.value())
            for name, spin in self.spins.items()
            if int(spin.value()) != self.before.get(name, 0)
        }
        if not changed:
            return
        self.before.update(changed)
        self.api.ops.run(lambda: operations.set_sources_reached(db, changed))


class CriteriaPage(QWidget):
    ROW_AIR = 4  # px more than a row's text needs

    def __init__(self, api: WindowApi) -> None:
        super().__init__()
        self.api = api
        self.list = QListWidget()
        buttons: list[QPushButton] = []
        for text, slot in (
            ("Add…", self.add),
            ("Rename…", self.rename),
            ("Required / optional", self.toggle),
            ("Remove", self.remove),
        ):
            b = QPushButton(text)
            b.clicked.connect(slot)
            buttons.append(b)
        # what acts on the chosen criterion: greyed out while none is chosen
        self.acting = buttons[1:]
        self.list.currentRowChanged.connect(lambda _r: self._update_buttons())
        lay = QVBoxLayout(self)
        list_with_buttons(lay, self.list, button_row(*buttons))
        self.reload()

    def _update_buttons(self) -> None:
        chosen = self.list.currentItem() is not None
        for button in self.acting:
            button.setEnabled(chosen)

    def reload(self, _result: object = None) -> None:
        self.list.clear()
        for c in qualification.list_criteria(self.api.db):
            item = QListWidgetItem(f"{c.name} ({'required' if c.required else 'optional'})")
            item.setData(256, (c.key, c.required))
            item.setData(257, c.name)
            self.list.addItem(item)
            # rows further apart than their text alone sets (as the stages', whose dots set
            # theirs), by height, not setSpacing: the list's hint of its height counts this
            text = self.list.sizeHintForRow(self.list.count() - 1)
            item.setSizeHint(QSize(0, text + self.ROW_AIR))
        self._update_buttons()

    def _current(self) -> tuple[str, bool] | None:
        item = self.list.currentItem()
        return None if item is None else item.data(256)

    def add(self) -> None:
        name, ok = QInputDialog.getText(self, "New criterion", "Name:")
        if ok and name.strip():
            db = self.api.db
            self.api.ops.run(lambda: operations.add_criterion(db, name), on_success=self.reload)

    def rename(self) -> None:
        current = self._current()
        item = self.list.currentItem()
        if current is None or item is None:
            return
        name, ok = QInputDialog.getText(self, "Rename criterion", "Name:", text=str(item.data(257)))
        if ok and name.strip():
            db = self.api.db
            self.api.ops.run(
                lambda: operations.rename_criterion(db, current[0], name), on_success=self.reload
            )

    def toggle(self) -> None:
        current = self._current()
        if current is not None:
            db = self.api.db
            self.api.ops.run(
                lambda: operations.set_required(db, current[0], not current[1]),
                on_success=self.reload,
            )

    def remove(self) -> None:
        current = self._current()
        if current is not None:
            db = self.api.db
            self.api.ops.run(
                lambda: operations.remove_criterion(db, current[0]), on_success=self.reload
            )


class StagesPage(QWidget):
    def __init__(self, api: WindowApi) -> None:
        super().__init__()
        self.api = api
        self.list = QListWidget()
        buttons: list[QPushButton] = []
        for text, slot in (
            ("Add…", self.add),
            ("Rename…", self.rename),
            ("Colour…", self.recolor),
            ("Up", lambda: self.shift(-1)),
            ("Down", lambda: self.shift(1)),
        ):
            b = QPushButton(text)
            b.clicked.connect(slot)
            buttons.append(b)
        # what acts on the chosen stage: greyed out while none is chosen (Up on the first
        # stage and Down on the last too)
        self.rename_button, self.colour_button, self.up_button, self.down_button = buttons[1:]
        self.hide_button = QPushButton("Hide")
        self.hide_button.setToolTip(
            "Take an unused stage out of the board, the sidebar and the move menus "
            "(its history stays)"
        )
        self.hide_button.clicked.connect(self.toggle_hidden)
        buttons.append(self.hide_button)
        self.list.currentRowChanged.connect(lambda _r: self._update_hide_button())
        self.hidden: frozenset[str] = frozenset()
        lay = QVBoxLayout(self)
        list_with_buttons(lay, self.list, button_row(*buttons))
        self.reload()

    def reload(self, _result: object = None) -> None:
        row = self.list.currentRow()
        self.list.clear()
        self.hidden = hidden_keys(self.api.db)
        for st in stages.list_stages(self.api.db):
            hidden = " — hidden" if st.key in self.hidden else ""
            item = QListWidgetItem(color_dot(st.color), f"{st.name}  ({st.kind}){hidden}")
            item.setData(256, st.key)
            item.setData(257, st.name)
            item.setToolTip(f"key {st.key}, colour {st.color}")
            if st.key in self.hidden:
                item.setForeground(QBrush(readable_on_base("#7B8794")))
            self.list.addItem(item)
        self.list.setCurrentRow(row)
        self._update_hide_button()

    def _update_hide_button(self) -> None:
        key = self._key()
        self.hide_button.setEnabled(key is not None)
        self.hide_button.setText("Show" if key in self.hidden else "Hide")
        row, rows = self.list.currentRow(), self.list.count()
        self.rename_button.setEnabled(key is not None)
        self.colour_button.setEnabled(key is not None)
        self.up_button.setEnabled(key is not None and row > 0)
        self.down_button.setEnabled(key is not None and row < rows - 1)

    def toggle_hidden(self) -> None:
        key = self._key()
        if key is None:
            return
        db, hide = self.api.db, key not in self.hidden
        self.api.ops.run(
            lambda: set_stage_hidden(db, key, hide),
            on_success=self.reload,
            failure_title="Stage not hidden" if hide else "Stage not shown",
        )

    def _key(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(256))

    def add(self) -> None:
        name, ok = QInputDialog.getText(self, "New stage", "Name:")
        if not ok or not name.strip():
            return
        key = qualification.key_for_name(name)
        after = self._key()
        db = self.api.db
        self.api.ops.run(
            lambda: operations.add_stage(db, key, name.strip(), after=after),
            on_success=self.reload,
        )

    def rename(self) -> None:
        key = self._key()
        item = self.list.currentItem()
        if key is None or item is None:
            return
        name, ok = QInputDialog.getText(self, "Rename stage", "Name:", text=str(item.data(257)))
        if ok and name.strip():
            db = self.api.db
            self.api.ops.run(lambda: operations.rename_stage(db, key, name), on_success=self.reload)

    def recolor(self) -> None:
        key = self._key()
        if key is None:
            return
        current = next((st.color for st in stages.list_stages(self.api.db) if st.key == key), None)
        color = QColorDialog.getColor(QColor(current or "#888888"), self, "Stage colour")
        if color.isValid():
            db = self.api.db
            self.api.ops.run(
                lambda: operations.recolor_stage(db, key, color.name()), on_success=self.reload
            )

    def shift(self, step: int) -> None:
        row = self.list.currentRow()
        keys = [str(self.list.item(i).data(256)) for i in range(self.list.count())]
        if row < 0 or not 0 <= row + step < len(keys):
            return
        keys[row], keys[row + step] = keys[row + step], keys[row]
        self.list.setCurrentRow(row + step)
        db = self.api.db
        self.api.ops.run(lambda: operations.reorder_stages(db, keys), on_success=self.reload)


class PhoneRegionPage(QWidget):
    """Where national phone numbers are from when an imported row names no country."""

    def __init__(self, api: WindowApi) -> None:
        super().__init__()
        self.api = api
        self.combo = QComboBox()
        system = locale_region()
        self.combo.addItem(
            f"The computer's region ({_region_name(system)})" if system else "None", None
        )
        for name, code in sorted((_region_name(r), r) for r in phonenumbers.SUPPORTED_REGIONS):
            self.combo.addItem(name, code)
        note = WrappedLabel(
            "Imports put phone numbers in international format (+49 30 …). A number written "
            "without a country code is read as a number of the row's country, or of this "
            "region when the row names none."
        )
        note.setWordWrap(True)
        save = QPushButton("Save region")
        save.clicked.connect(self.save)
        form = QFormLayout(self)
        form.addRow(note)
        form.addRow("Default region", self.combo)
        form.addRow(save_row(save))
        self.reload()

    def reload(self, _result: object = None) -> None:
        current = default_phone_region(self.api.db)
        self.combo.setCurrentIndex(max(0, self.combo.findData(current)))

    def save(self) -> None:
        db, region = self.api.db, self.combo.currentData()
        if region == default_phone_region(db):
            return
        label = f"default phone region {region}" if region else "default phone region"
        self.api.ops.run(
            lambda: operations.set_setting(db, PHONE_REGION_SETTING, region, label=label),
            on_success=self.reload,
        )


def _region_name(code: str | None) -> str:
    if not code:
        return ""
    name = QLocale.territoryToString(QLocale.codeToTerritory(code))
    return f"{name} ({code})" if name else code


class PageSizedTabs(QTabWidget):
    """Tabs as tall as the page shown: a QTabWidget asks for its tallest page's height, and
    its shorter pages sat over a grey band. What it adds to a page (the tab bar, the frame)
    is what it asks for beyond its tallest page."""

    def _pages(self) -> list[QWidget]:
        pages = (self.widget(i) for i in range(self.count()) if self.isTabVisible(i))
        return [page for page in pages if page is not None]

    def _fitted(self, hint: QSize, least: bool) -> QSize:
        current = self.currentWidget()
        pages = self._pages()
        if current is None or not pages:
            return hint

        def height(page: QWidget) -> int:
            return (page.minimumSizeHint() if least else page.sizeHint()).height()

        added = hint.height() - max(height(page) for page in pages)
        return QSize(hint.width(), added + height(current))

    def sizeHint(self) -> QSize:
        return self._fitted(super().sizeHint(), least=False)

    def minimumSizeHint(self) -> QSize:
        return self._fitted(super().minimumSizeHint(), least=True)

    def heightForWidth(self, width: int) -> int:
        # a page with wrapped text (the phone region's note) makes the tabs' height depend
        # on their width: the tab bar and frame, and the tallest such page at that width
        full = super().heightForWidth(width)
        current, pages = self.currentWidget(), self._pages()
        if full < 0 or current is None or not pages:
            return full
        inner = width - max(0, self.width() - current.width()) if current.width() else width
        tallest = max(page.heightForWidth(inner) for page in pages)  # -1: no such page
        own = current.heightForWidth(inner)
        return full - max(0, tallest) + (own if own >= 0 else current.sizeHint().height())


class SettingsDialog(QDialog):
    def __init__(self, api: WindowApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.tabs = PageSizedTabs()
        self.response_times = ResponseTimesPage(api)
        self.reach = ReachPage(api)
        self.criteria = CriteriaPage(api)
        self.stages = StagesPage(api)
        self.phone_region = PhoneRegionPage(api)
        self.tabs.addTab(self.stages, "Stages")
        self.tabs.addTab(self.criteria, "BANT criteria")
        self.tabs.addTab(self.response_times, "Response times")
        self.tabs.addTab(self.reach, "Campaign reach")
        self.tabs.addTab(self.phone_region, "Phone numbers")
        # Edit ▸ Undo (or the command line) while the dialog is open: the pages follow
        api.ops.operation_did_execute.connect(self._on_operation)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(buttons)
        self.tabs.setUsesScrollButtons(False)  # every page named in full
        # as tall as the page shown (up to most of the window), again on each change of
        # page: as tall as the longest page, a short page's buttons sat over a grey band
        self.room = int((parent.window().height() if parent is not None else 900) * SHARE_OF_WINDOW)
        self.tabs.currentChanged.connect(self.fit_page)
        self.resize(max(780, self.tabs.tabBar().sizeHint().width() + 40), 360)
        self.fit_page()

    def fit_page(self) -> None:
        """The dialog as tall as the page shown asks (its width kept)."""
        self.tabs.updateGeometry()
        layout = self.layout()
        assert layout is not None
        layout.invalidate()
        layout.activate()
        self.resize(self.width(), min(self.sizeHint().height(), self.room))

    def _on_operation(self, changes: Changes, _initiator: object) -> None:
        if changes.stage_list:
            self.stages.reload()
        if changes.criteria:
            self.criteria.reload()
        if changes.settings or changes.scoring:
            self.response_times.reload()
            self.phone_region.reload()
        if changes.sources:
            self.reach.reload()

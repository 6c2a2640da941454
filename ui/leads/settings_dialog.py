"""Tools ▸ Settings: response times per kind of inbound activity, campaign reach per source,
BANT criteria and stages. Every change is one operation (Edit ▸ Undo takes it back)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
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
from ui.api import WindowApi


class ResponseTimesPage(QWidget):
    def __init__(self, api: WindowApi) -> None:
        super().__init__()
        self.api = api
        self.spins: dict[str, QDoubleSpinBox] = {}
        form = QFormLayout(self)
        current = followup.sla_by_kind(api.db)
        form.addRow(
            QLabel(
                "Hours to answer each kind of inquiry (seed 000: a download needs no one-hour answer)."
            )
        )
        for kind in INBOUND_TYPES:
            spin = QDoubleSpinBox()
            spin.setRange(0.25, 24 * 60)
            spin.setSuffix(" h")
            spin.setValue(current.get(kind, followup.DEFAULT_SLA_HOURS))
            self.spins[kind] = spin
            form.addRow(ACTIVITY_TYPES[kind], spin)
        save = QPushButton("Save response times")
        save.clicked.connect(self.save)
        form.addRow(save)

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
        from app.metrics import source_reach

        reached = source_reach(api.db)
        names = sorted({n for n, _c in contacts.distinct_sources(api.db)} | set(reached))
        self.table = QTableWidget(len(names), 2)
        self.table.setHorizontalHeaderLabels(["Source", "Prospects reached"])
        self.spins: dict[str, QSpinBox] = {}
        self.before = dict(reached)
        for r, name in enumerate(names):
            self.table.setItem(r, 0, QTableWidgetItem(name))
            spin = QSpinBox()
            spin.setRange(0, 100_000_000)
            spin.setSpecialValueText("—")
            spin.setValue(reached.get(name, 0))
            self.spins[name] = spin
            self.table.setCellWidget(r, 1, spin)
        self.table.resizeColumnsToContents()
        save = QPushButton("Save reach")
        save.clicked.connect(self.save)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addWidget(save)

    def save(self) -> None:
        db = self.api.db
        for name, spin in self.spins.items():
            value = int(spin.value())
            if value != self.before.get(name, 0):
                self.before[name] = value
                self._save_one(db, name, value)

    def _save_one(self, db: Any, name: str, value: int) -> None:
        self.api.ops.run(lambda: operations.set_source_reached(db, name, value))


class CriteriaPage(QWidget):
    def __init__(self, api: WindowApi) -> None:
        super().__init__()
        self.api = api
        self.list = QListWidget()
        buttons = QHBoxLayout()
        for text, slot in (
            ("Add…", self.add),
            ("Rename…", self.rename),
            ("Required / optional", self.toggle),
            ("Remove", self.remove),
        ):
            b = QPushButton(text)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)
        self.reload()

    def reload(self, _result: object = None) -> None:
        self.list.clear()
        for c in qualification.list_criteria(self.api.db):
            item = QListWidgetItem(f"{c.name} ({'required' if c.required else 'optional'})")
            item.setData(256, (c.key, c.required))
            self.list.addItem(item)

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
        if current is None:
            return
        name, ok = QInputDialog.getText(self, "Rename criterion", "Name:")
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
        buttons = QHBoxLayout()
        for text, slot in (
            ("Add…", self.add),
            ("Rename…", self.rename),
            ("Colour…", self.recolor),
            ("Up", lambda: self.shift(-1)),
            ("Down", lambda: self.shift(1)),
        ):
            b = QPushButton(text)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)
        self.reload()

    def reload(self, _result: object = None) -> None:
        row = self.list.currentRow()
        self.list.clear()
        for st in stages.list_stages(self.api.db):
            item = QListWidgetItem(f"{st.name}  ({st.key}, {st.kind}, {st.color})")
            item.setData(256, st.key)
            self.list.addItem(item)
        self.list.setCurrentRow(row)

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
        if key is None:
            return
        name, ok = QInputDialog.getText(self, "Rename stage", "Name:")
        if ok and name.strip():
            db = self.api.db
            self.api.ops.run(lambda: operations.rename_stage(db, key, name), on_success=self.reload)

    def recolor(self) -> None:
        key = self._key()
        if key is None:
            return
        color = QColorDialog.getColor(parent=self)
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


class SettingsDialog(QDialog):
    def __init__(self, api: WindowApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.tabs = QTabWidget()
        self.response_times = ResponseTimesPage(api)
        self.reach = ReachPage(api)
        self.criteria = CriteriaPage(api)
        self.stages = StagesPage(api)
        self.tabs.addTab(self.stages, "Stages")
        self.tabs.addTab(self.criteria, "BANT criteria")
        self.tabs.addTab(self.response_times, "Response times")
        self.tabs.addTab(self.reach, "Campaign reach")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(buttons)
        self.resize(640, 480)

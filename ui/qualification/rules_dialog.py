"""Tools ▸ Scoring rules…: the rules table, the sales-ready threshold, automation and the SLA."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.scoring import AUTOMATION_MODES, ScoringSettings
from app.scoring_rules import DEFAULT_RULES, ScoringRules
from ui.header_align import align_headers_with_cells
from ui.line_breaks import KeepHyphensDelegate, WrappedLabel
from ui.table_model import HeaderedTableModel

Index = QModelIndex | QPersistentModelIndex
GROUPS = {"fit": "Fit", "engagement": "Engagement", "qualification": "Qualification"}


class RulesTableModel(HeaderedTableModel):
    """One row per rule: what it means, its group, points, and (activities) half-life."""

    HEADERS = ("Rule", "Kind", "Points", "Half-life (days)")

    def __init__(self, rules: ScoringRules, parent: Any = None) -> None:
        super().__init__(parent)
        self._points: dict[str, float] = {}
        self._halves: dict[str, float | None] = {}
        self.set_rules(rules)

    def set_rules(self, rules: ScoringRules) -> None:
        self.beginResetModel()
        self._points = {r.key: rules.get(r.key) for r in DEFAULT_RULES}
        self._halves = {
            r.key: rules.half_life_days.get(r.key)
            for r in DEFAULT_RULES
            if r.key.startswith("activity.")
        }
        self.endResetModel()

    def rules(self) -> ScoringRules:
        return ScoringRules(dict(self._points), dict(self._halves))

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(DEFAULT_RULES)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        rule = DEFAULT_RULES[index.row()]
        if index.column() == 2 or (index.column() == 3 and rule.key.startswith("activity.")):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(DEFAULT_RULES):
            return None
        rule = DEFAULT_RULES[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == 0:
                return rule.label
            if col == 1:
                return GROUPS.get(rule.group, rule.group)
            if col == 2:
                value = self._points[rule.key]
                return value if role == Qt.ItemDataRole.EditRole else f"{value:+g}"
            if col == 3:
                if not rule.key.startswith("activity."):
                    return None if role == Qt.ItemDataRole.EditRole else ""
                half = self._halves.get(rule.key)
                if role == Qt.ItemDataRole.EditRole:
                    return float(half or 0.0)
                return f"{half:g}" if half else "never fades"
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            default = f"default {rule.points:+g}"
            if rule.half_life_days:
                default += f", half-life {rule.half_life_days:g} days"
            return f"{rule.label} ({default})"
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        rule = DEFAULT_RULES[index.row()]
        try:
            number = float(value)
        except (TypeError, ValueError):
            return False
        if index.column() == 2:
            self._points[rule.key] = number
        elif index.column() == 3 and rule.key.startswith("activity.") and number >= 0:
            self._halves[rule.key] = number or None
        else:
            return False
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])
        return True


class ScoringRulesDialog(QDialog):
    """Edit the scoring settings; ``settings()`` gives the result after ``exec()``."""

    def __init__(self, current: ScoringSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Scoring rules")
        self.model = RulesTableModel(current.rules, self)
        self.table = QTableView()
        align_headers_with_cells(self.table)  # "Points" over the points
        self.table.setObjectName("rulesTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # headers whole
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the rule takes the rest
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setWordWrap(True)
        self.table.setItemDelegate(KeepHyphensDelegate(self.table))  # "E-mail" kept whole
        self.table.setAlternatingRowColors(True)
        self.threshold = QSpinBox()
        self.threshold.setObjectName("thresholdSpin")
        self.threshold.setRange(0, 10000)
        self.threshold.setValue(current.threshold)
        self.automation = QComboBox()
        self.automation.setObjectName("automationCombo")
        for key, label in AUTOMATION_MODES.items():
            self.automation.addItem(label, key)
        self.automation.setCurrentIndex(max(0, self.automation.findData(current.automation)))
        self.sla = QDoubleSpinBox()
        self.sla.setObjectName("slaSpin")
        self.sla.setRange(0.5, 24 * 60)
        self.sla.setDecimals(1)
        self.sla.setSuffix(" h")
        self.sla.setValue(current.sla_hours)
        form = QFormLayout()
        # the number and the choice as wide as what they hold, not across the dialog
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Sales-ready at score", self.threshold)
        form.addRow("When a contact becomes sales-ready", self.automation)
        form.addRow("Answer inquiries within", self.sla)
        note = WrappedLabel(
            "Score = fit + engagement + qualification points. Activity points fade: they halve "
            "every half-life. “Asked for sales contact” makes a contact sales-ready at once. "
            "Automatic moves go to Sales qualified with the rule as the reason, and can be "
            "undone. Changes recompute every score in the background."
        )
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.PlainText)
        reset = QPushButton("Reset to defaults")
        reset.setObjectName("resetRules")
        reset.clicked.connect(lambda: self.model.set_rules(ScoringRules.defaults()))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.addButton(reset, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(buttons)
        # every rule in sight where the window has the room (a fixed 640 px cut the list in
        # the middle of a row on any screen); more scroll
        parent_window = parent.window() if parent is not None else None
        room = parent_window.height() if parent_window is not None else 800
        margins = lay.contentsMargins()
        width = 720
        rows = sum(self.table.rowHeight(r) for r in range(self.model.rowCount()))
        height = header.sizeHint().height() + rows + 2 * self.table.frameWidth()
        height += margins.top() + margins.bottom() + 3 * lay.spacing()
        height += form.sizeHint().height() + buttons.sizeHint().height()
        height += note.heightForWidth(width - margins.left() - margins.right())
        self.resize(width, max(420, min(height, int(room * 0.9))))

    def settings(self) -> ScoringSettings:
        return ScoringSettings(
            rules=self.model.rules(),
            threshold=self.threshold.value(),
            automation=str(self.automation.currentData()),
            sla_hours=float(self.sla.value()),
        )

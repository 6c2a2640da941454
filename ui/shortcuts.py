"""Help ▸ Keyboard shortcuts: every shortcut of the window, grouped, with a search field.

The list is read from the window itself each time the dialog opens — the menus' actions, the
views' ``QShortcut``s (their ``whatsThis`` says what they do) — so it cannot drift from what
the keys do. Only keys a view handles in its own ``keyPressEvent`` (the board's arrows, the
triage BANT mode) are listed from the constants those views use, or from :data:`VIEW_KEYS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.line_breaks import KeepHyphensDelegate

# keys views handle in keyPressEvent (no QAction or QShortcut to read them from)
VIEW_KEYS: dict[str, list[tuple[str, str]]] = {
    "List": [
        ("↑ / ↓", "Previous / next contact"),
        ("Shift+↑ / ↓, Ctrl+click", "Select several contacts"),
    ],
    "Board": [
        ("← / → / ↑ / ↓", "Move the focus between cards and columns"),
        ("Ctrl+← / Ctrl+→", "Move the selected cards to the previous / next stage"),
        ("Enter", "Open the card in the detail panel"),
    ],
}
# what a shortcut without a description of its own (no whatsThis) does, by (group — "*" for
# any —, standard key or keys); the first that fits
KNOWN: dict[tuple[str, QKeySequence.StandardKey | str], str] = {
    ("Detail panel", QKeySequence.StandardKey.Save): "Save the changes",
    ("Detail panel", "Esc"): "Cancel the change being made, or close the panel",
    ("*", "Return"): "Open the selected contact in the detail panel",
    ("*", "Enter"): "Open the selected contact in the detail panel",
    ("*", "Esc"): "Close the detail panel",
}


def _known(group: str, keys: str) -> str:
    for (g, key), text in KNOWN.items():
        if g not in (group, "*"):
            continue
        seq = QKeySequence(key)
        if seq.toString(QKeySequence.SequenceFormat.NativeText) == keys:
            return text
    return ""


@dataclass(frozen=True)
class ShortcutEntry:
    group: str
    keys: str
    text: str


def _plain(text: str) -> str:
    """A menu text as the user reads it: no mnemonic ampersand, no trailing dots."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def _keys(sequences: Iterable[QKeySequence]) -> str:
    seen: list[str] = []
    for seq in sequences:
        text = seq.toString(QKeySequence.SequenceFormat.NativeText)
        if text and text not in seen:
            seen.append(text)
    return ", ".join(seen)


def _menu_entries(menu: QMenu, group: str) -> list[ShortcutEntry]:
    out: list[ShortcutEntry] = []
    for action in menu.actions():
        sub = action.menu()
        if isinstance(sub, QMenu):
            out += _menu_entries(sub, group)
        elif not action.isSeparator() and action.shortcuts():
            out.append(ShortcutEntry(group, _keys(action.shortcuts()), _plain(action.text())))
    return out


def _view_of(widget: QWidget | None, tabs: list[tuple[QWidget, str]]) -> str | None:
    while widget is not None:
        for view, title in tabs:
            if widget is view:
                return title
        widget = widget.parentWidget()
    return None


def collect_shortcuts(window: QMainWindow) -> list[ShortcutEntry]:
    """Every shortcut the window offers now: menu by menu, then view by view."""
    build_views = getattr(window, "build_views", None)
    if callable(build_views):
        build_views()  # the views not shown yet are built: their keys are read from them
    entries: list[ShortcutEntry] = []
    in_menus: set[int] = set()
    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            group = _plain(top.text())
            found = _menu_entries(menu, group)
            entries += found
            in_menus.update(id(a) for a in menu.findChildren(QAction))
            in_menus.update(id(a) for a in menu.actions())
    for action in window.findChildren(QAction):
        if id(action) not in in_menus and action.shortcuts() and action.isEnabled():
            entries.append(
                ShortcutEntry("Window", _keys(action.shortcuts()), _plain(action.text()))
            )

    tab_widget = window.findChild(QTabWidget, "views")
    tabs: list[tuple[QWidget, str]] = []
    if tab_widget is not None:
        for i in range(tab_widget.count()):
            widget = tab_widget.widget(i)
            if widget is not None:
                tabs.append((widget, _plain(tab_widget.tabText(i))))
    detail = window.findChild(QWidget, "detailPanel")
    by_view: dict[str, list[ShortcutEntry]] = {}
    for sc in window.findChildren(QShortcut):
        if not sc.isEnabled() or sc.key().isEmpty():
            continue
        parent = sc.parent()
        owner = parent if isinstance(parent, QWidget) else None
        view = _view_of(owner, tabs)
        if view is not None:
            group = view
        else:
            is_detail = (
                detail is not None
                and owner is not None
                and (owner is detail or detail.isAncestorOf(owner))
            )
            group = "Detail panel" if is_detail else "Window"
        keys = _keys([sc.key()])
        text = sc.whatsThis() or _known(group, keys) or sc.objectName()
        by_view.setdefault(group, []).append(ShortcutEntry(group, keys, text))
    from ui.triage.bant import BANT_KEYS
    from ui.triage.view import REASON_KEYS

    extra = {
        **VIEW_KEYS,
        "Triage": [
            ("Ctrl+Z", "Undo the last decision (in every state)"),
            *((k, f"Disqualify reason bar: {t}") for k, t in REASON_KEYS if k != "Ctrl+Z"),
            *((k, f"BANT keys (after B): {t}") for k, t in BANT_KEYS if k != "Ctrl+Z"),
        ],
    }
    for title in [t for _w, t in tabs] + [g for g in by_view if g not in {t for _w, t in tabs}]:
        listed = by_view.get(title, [])
        listed += [ShortcutEntry(title, k, t) for k, t in extra.get(title, [])]
        entries += _merged(listed)
    return [e for e in entries if e.keys]


def _merged(entries: list[ShortcutEntry]) -> list[ShortcutEntry]:
    """Keys that do the same in one group on one line ("Return, Enter")."""
    out: list[ShortcutEntry] = []
    for e in entries:
        same = next((i for i, o in enumerate(out) if o.text == e.text and e.text), None)
        if same is None:
            out.append(e)
        elif e.keys not in out[same].keys.split(", "):
            o = out[same]
            out[same] = ShortcutEntry(o.group, f"{o.keys}, {e.keys}", o.text)
    return out


def matches(entry: ShortcutEntry, text: str) -> bool:
    words = text.casefold().split()
    hay = f"{entry.group} {entry.keys} {entry.text}".casefold()
    return all(w in hay for w in words)


class ShortcutsDialog(QDialog):
    """The shortcuts, grouped, filtered as you type."""

    KEYS_GAP_CHARS = 3  # between the widest keys and what they do

    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.entries = collect_shortcuts(window)
        self.search = QLineEdit()
        self.search.setObjectName("shortcutSearch")
        self.search.setPlaceholderText("Search: a key (Ctrl+Z) or what it does (undo, stage…)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.apply_filter)
        self.tree = QTreeWidget()
        self.tree.setObjectName("shortcutTree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Keys", "What it does"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setWordWrap(True)
        self.tree.setItemDelegate(KeepHyphensDelegate(self.tree))  # "E-mail" kept whole
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.tree.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)  # set once filled
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(True)
        self.empty = QLabel("No shortcut matches.")
        self.empty.setObjectName("shortcutNone")
        self.empty.hide()
        self.groups: dict[str, QTreeWidgetItem] = {}
        bold = self.tree.font()
        bold.setBold(True)
        for entry in self.entries:
            group = self.groups.get(entry.group)
            if group is None:
                group = QTreeWidgetItem([entry.group, ""])
                group.setFirstColumnSpanned(True)
                group.setFont(0, bold)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.tree.addTopLevelItem(group)
                group.setFirstColumnSpanned(True)
                self.groups[entry.group] = group
            item = QTreeWidgetItem([entry.keys, entry.text])
            item.setData(0, Qt.ItemDataRole.UserRole, entry)
            item.setToolTip(1, entry.text)
            group.addChild(item)
        self.tree.expandAll()
        self.tree.setItemsExpandable(False)
        # the widest keys and a gap of a few characters before what they do (as wide as
        # its contents, "Ctrl+click" sat 7 px from "Select several contacts")
        gap = self.KEYS_GAP_CHARS * self.tree.fontMetrics().averageCharWidth()
        self.tree.setColumnWidth(0, self.tree.sizeHintForColumn(0) + gap)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.button_box = buttons
        lay = QVBoxLayout(self)
        lay.addWidget(self.search)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.empty)
        lay.addWidget(buttons)
        self.resize(640, self._fitting_height(parent or window))
        self.search.setFocus()

    def _fitting_height(self, over: QWidget) -> int:
        """As tall as every shortcut where the window has the room, at most 90 % of it (a
        fixed 620 px scrolled the list on every window size)."""
        tree = self.tree
        lines = len(self.groups) + len(self.entries)
        row = max(tree.sizeHintForRow(0), tree.fontMetrics().height())
        wanted = tree.header().sizeHint().height() + lines * row + 2 * tree.frameWidth() + 4
        lay = self.layout()
        assert lay is not None
        margins = lay.contentsMargins()
        wanted += margins.top() + margins.bottom() + 2 * lay.spacing()
        wanted += self.search.sizeHint().height() + self.button_box.sizeHint().height()
        room = int(over.window().height() * 0.9)
        return max(360, min(wanted, room))

    def apply_filter(self, text: str) -> None:
        any_shown = False
        for group in self.groups.values():
            shown = 0
            for child in _children(group):
                entry = child.data(0, Qt.ItemDataRole.UserRole)
                ok = matches(entry, text)
                child.setHidden(not ok)
                shown += ok
            group.setHidden(shown == 0)
            any_shown = any_shown or shown > 0
        self.empty.setVisible(not any_shown)

    def shown(self) -> list[ShortcutEntry]:
        """The entries visible now (for tests)."""
        out: list[ShortcutEntry] = []
        for group in self.groups.values():
            if group.isHidden():
                continue
            for child in _children(group):
                if not child.isHidden():
                    out.append(child.data(0, Qt.ItemDataRole.UserRole))
        return out


def _children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    return [c for i in range(item.childCount()) if (c := item.child(i)) is not None]

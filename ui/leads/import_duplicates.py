"""The import summary's likely duplicates (issue 12, item 6): contacts the import created or
updated that look like the same person as another contact — same e-mail, the same name and
company however spelled (Jürgen Weißmann / Juergen Weissmann), the same phone — found on a
worker once the import has finished (:func:`app.duplicates.duplicates_of_batch`), with the
evidence and a score. Tools ▸ Find duplicates merges them."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.duplicates import DuplicatePair, duplicates_of_batch
from db.engine import Database
from ui.detail_sections import fit_tree
from ui.line_breaks import WrappedLabel
from ui.tasks import TaskRunner


class BatchDuplicates(QWidget):
    """Hidden until the batch has likely duplicates; then a titled list of them."""

    def __init__(self, db: Database, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.runner = runner
        self.batch_id: int | None = None
        self.pairs: list[DuplicatePair] = []
        self.title = WrappedLabel()
        self.title.setObjectName("duplicatesTitle")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.list = QTreeWidget()
        self.list.setObjectName("batchDuplicates")
        self.list.setHeaderLabels(["Imported", "Already in Winnow", "Why", "Score"])
        self.list.setRootIsDecorated(False)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setWordWrap(True)
        header = self.list.header()
        header.setStretchLastSection(False)
        for col, mode in enumerate(
            (
                QHeaderView.ResizeMode.ResizeToContents,
                QHeaderView.ResizeMode.ResizeToContents,
                QHeaderView.ResizeMode.Stretch,
                QHeaderView.ResizeMode.ResizeToContents,
            )
        ):
            header.setSectionResizeMode(col, mode)
        # the evidence wraps (no "…"), the list as tall as its rows up to 6, then it scrolls
        fit_tree(self.list, max_rows=6)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.list)
        self.hide()

    def show_batch(self, batch_id: int | None) -> None:
        """Look for the batch's likely duplicates (None: nothing imported)."""
        self.batch_id = batch_id
        self.show_pairs([])
        if batch_id is None:
            return

        def found(pairs: list[DuplicatePair]) -> None:
            if batch_id == self.batch_id:  # not an answer for an earlier import
                self.show_pairs(pairs)

        self.runner.run(
            duplicates_of_batch,
            self.db,
            batch_id,
            on_done=found,
            on_error=lambda _exc: None,  # the summary stands without them
        )

    def show_pairs(self, pairs: list[DuplicatePair]) -> None:
        self.pairs = list(pairs)
        self.list.clear()
        for p in pairs:
            there, imported = p.names
            item = QTreeWidgetItem(
                [
                    imported or f"contact {p.ids[1]}",
                    there or f"contact {p.ids[0]}",
                    "; ".join(p.reasons),
                    str(p.score),
                ]
            )
            item.setToolTip(2, "; ".join(p.reasons))
            self.list.addTopLevelItem(item)
        n = len(pairs)
        self.title.setText(
            f"{n:,} likely duplicate{'s' if n != 1 else ''}: the same person as another "
            "contact? Tools ▸ Find duplicates shows them side by side and merges them."
        )
        self.setVisible(bool(pairs))

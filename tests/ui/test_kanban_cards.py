"""The cards' rows and marks, assembled the same way from the database's readers and from the
driver's on a plain start (ui.kanban.column_model.assemble_cards)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from app.values import ContactRow
from ui.kanban.column_model import assemble_cards


def _row(cid: int) -> Any:
    return ContactRow.__new__(ContactRow)  # its fields are not looked at here


def test_only_what_is_not_known_is_read() -> None:
    asked: dict[str, list[list[int]]] = {"rows": [], "bant": []}

    def rows_of(ids: list[int]) -> dict[int, Any]:
        asked["rows"].append(ids)
        return {i: _row(i) for i in ids}

    def bant(ids: list[int]) -> dict[int, Any]:
        asked["bant"].append(ids)
        return {i: f"read {i}" for i in ids}

    read_before = {2: _row(2)}
    rows, marks = assemble_cards(
        [1, 2, 3], rows_of, {"bant": bant}, {3: {"bant": "kept"}}, read_before, guarded=True
    )
    assert asked["rows"] == [[1, 3]] and [sorted(ids) for ids in asked["bant"]] == [[1, 2]]
    assert rows[2] is read_before[2] and set(rows) == {1, 2, 3}
    assert marks == {"bant": {1: "read 1", 2: "read 2", 3: "kept"}}


def _broken(_ids: list[int]) -> dict[int, Any]:
    raise RuntimeError("no such table: bant_answers")


def test_a_failing_mark_reader_leaves_its_marks_out_when_guarded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    readers = {"bant": _broken, "deal": lambda ids: dict.fromkeys(ids, "deal")}
    with caplog.at_level(logging.ERROR):
        rows, marks = assemble_cards(
            [5], lambda ids: {i: _row(i) for i in ids}, readers, None, None, guarded=True
        )
    assert set(rows) == {5}
    assert marks == {"deal": {5: "deal"}}  # the board still shows its cards
    assert "card marks bant failed" in caplog.text


def test_a_failing_mark_reader_reaches_the_caller_unguarded() -> None:
    """On a plain start the caller reads the usual way instead (it must hear of it)."""
    with pytest.raises(RuntimeError, match="bant_answers"):
        assemble_cards(
            [5], lambda ids: {i: _row(i) for i in ids}, {"bant": _broken}, None, None, guarded=False
        )

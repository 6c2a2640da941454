"""The rows of a table with what reading them found: ``RowStream`` iterates
``(row number, cells)`` and collects warnings (row 0 is the whole file) that the import
pipeline takes after each row with ``take_warnings()``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

Row = tuple[int, list[str]]


class WarningSink:
    """Where a reader puts its warnings (kept apart from the stream, so that a reader's
    generator and its stream form no reference cycle and its file closes on time)."""

    def __init__(self) -> None:
        self.pending: list[tuple[int, str]] = []

    def warn(self, row: int, text: str) -> None:
        self.pending.append((row, text))


class RowStream(Iterator[Row]):
    def __init__(
        self,
        produce: Callable[[WarningSink], Iterator[Row]],
        warnings: Iterable[tuple[int, str]] = (),
    ) -> None:
        self._sink = WarningSink()
        self._sink.pending.extend(warnings)
        self._rows = produce(self._sink)

    def __iter__(self) -> RowStream:
        return self

    def __next__(self) -> Row:
        return next(self._rows)

    def close(self) -> None:
        close = getattr(self._rows, "close", None)
        if close is not None:
            close()

    def warn(self, row: int, text: str) -> None:
        self._sink.warn(row, text)

    def add_file_warnings(self, warnings: Iterable[str]) -> None:
        self._sink.pending[:0] = [(0, w) for w in warnings]

    def take_warnings(self) -> list[tuple[int, str]]:
        out, self._sink.pending = self._sink.pending, []
        return out


def take_warnings(rows: Iterator[Row]) -> list[tuple[int, str]]:
    """The warnings a row iterator collected so far (none for a plain iterator)."""
    return rows.take_warnings() if isinstance(rows, RowStream) else []

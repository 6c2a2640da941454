"""From the file's cells to rows ready to write, a chunk at a time (flat memory).

(Doing this on a helper thread while the caller writes was measured: no gain — the work is
Python under the GIL on both sides. A big file is read in a process of its own instead:
:class:`PreparedElsewhere`.)"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import struct
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from itertools import repeat
from operator import attrgetter
from pathlib import Path
from typing import Any

from app.errors import WinnowError
from app.fields import ValidationError, clean_value
from app.importing.mapping import MappedRow, RowMapper
from app.importing.report import RowIssue
from app.importing.rows import PreparedRow, RowPreparer, stored_values
from app.importing.rowstream import RowStream, take_warnings
from app.points import says_more

MULTI_SEPARATOR = " ::: "  # how Google Contacts (and the mapping) join several values


@dataclass
class Chunk:
    """Up to ``size`` rows ready to write, with what reading them found."""

    rows: list[PreparedRow] = field(default_factory=list)
    read: int = 0
    rejected: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)


def keep_invalid_email(mapped: MappedRow, email_headers: list[str]) -> None:
    """The mapping keeps an invalid address as an extra field; Winnow stores it as the
    contact's e-mail (with the warning) when the row has no valid one, so go-look and the
    score see it and the person is not lost — if it has an address's shape at all
    (:mod:`app.fields`: one token with an @-sign); anything else stays an extra value."""
    if mapped.values.get("email"):
        return
    for header in email_headers:
        raw = mapped.extra.get(header)
        if not raw:
            continue
        first, _, rest = raw.partition(MULTI_SEPARATOR)
        try:
            clean_value("email", first)
        except ValidationError:
            continue
        mapped.values["email"] = first.strip()
        if rest.strip():
            mapped.extra[header] = rest.strip()
        else:
            del mapped.extra[header]
        return


def prepare_chunks(
    rows: Iterator[tuple[int, list[str]]],
    headers: list[str],
    mapping: dict[str, str | None],
    preparer: RowPreparer,
    size: int,
    *,
    stored_here: bool = True,
) -> Iterator[Chunk]:
    """The file's rows, mapped and cleaned, ``size`` good rows at a time. ``stored_here``:
    each row's stored columns (:func:`stored_values`) worked out too; otherwise the writer
    works them out (:meth:`app.importing.merge.BatchWriter._insert`, for a row without)."""
    email_headers = [h for h, f in mapping.items() if f in ("email", "email_2")]
    mapper = RowMapper(headers, mapping)  # compiled once (apply_mapping compares per row)
    take = rows.take_warnings if isinstance(rows, RowStream) else None
    chunk = Chunk()
    for row_no, cells in rows:
        if take is not None:
            found = take()
            if found:
                chunk.warnings.extend(RowIssue(n, text) for n, text in found)
        chunk.read += 1
        mapped = mapper(cells)
        keep_invalid_email(mapped, email_headers)
        prepared = preparer.prepare(
            row_no,
            mapped.values,
            mapped.other_emails,
            mapped.extra,
            mapped.warnings,
            emails=mapped.emails,
            phones=mapped.phones,
            addresses=mapped.addresses,
        )
        if isinstance(prepared, str):
            chunk.rejected.append(RowIssue(row_no, prepared))
            continue
        if prepared.warnings:
            chunk.warnings.extend(RowIssue(row_no, w) for w in prepared.warnings)
        if stored_here:
            prepared.stored = stored_values(prepared, preparer.derivation)
        chunk.rows.append(prepared)
        if len(chunk.rows) >= size:
            yield chunk
            chunk = Chunk()
    chunk.warnings.extend(RowIssue(n, text) for n, text in take_warnings(rows))
    if chunk.read or chunk.warnings:
        yield chunk


# --- reading in a process of its own -----------------------------------------------------------

# files at least this large are read and cleaned in a second process while this one writes
# (about 16,000 rows of a typical CSV: the process takes ~0.5 s of CPU to start)
OTHER_PROCESS_BYTES = 2_000_000
_FRAME = struct.Struct("<Q")  # the length of each pickled message on the pipe


def worth_another_process(path: str | os.PathLike[str]) -> bool:
    """Whether to read ``path`` in a second process: a big file, on a POSIX system (the pipe
    is handed over as a file descriptor) with a core to spare."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return False
    return size >= OTHER_PROCESS_BYTES and os.name == "posix" and _core_to_spare()


def _core_to_spare() -> bool:
    """Whether another core is free: two cores or more, and a load average (last minute) half
    a core below their number. Two processes cost 10-15 % more CPU time than one (pickling,
    two interpreters); that pays only when both run at once — with every core busy the
    import took longer in two processes than in one (100,000 rows at a load of 9-12:
    107-111 s against 72-94 s)."""
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        return cores >= 2
    return cores >= 2 and load < cores - 0.5


class PreparedElsewhere(Iterator[Chunk]):
    """:func:`prepare_chunks` run in a child process: the same chunks, in the same order.

    The child (``python -m app.importing.reader_process``: a fresh interpreter that runs no
    code of the caller's main module) opens the file as the caller did (``open_args`` for
    :func:`open_table`), reads, maps and cleans it, and sends each chunk pickled over a pipe;
    the pipe holds a few chunks (:data:`PIPE_BYTES`), so the child prepares at most that
    far ahead of the writer (memory stays flat). It starts when this object is made, so it
    works while the caller counts rows or opens its transaction. An error in the child is
    raised here; :meth:`close` — also on garbage collection of an iterator abandoned on
    cancel or error — stops it."""

    def __init__(
        self,
        open_args: dict[str, Any],
        headers: list[str],
        mapping: dict[str, str | None],
        preparer: RowPreparer,
        size: int,
    ) -> None:
        here, there = os.pipe()
        _widen(here)
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        try:
            self._child = subprocess.Popen(
                [sys.executable, "-m", "app.importing.reader_process", str(there)],
                stdin=subprocess.PIPE,
                pass_fds=(there,),
                env=env,
            )
        except BaseException:
            os.close(here)
            raise
        finally:
            os.close(there)
        self._pipe = os.fdopen(here, "rb")
        self._done = False
        assert self._child.stdin is not None
        with self._child.stdin as stdin:
            pickle.dump((open_args, headers, mapping, preparer, size), stdin)

    def __iter__(self) -> PreparedElsewhere:
        return self

    def __next__(self) -> Chunk:
        if self._done:
            raise StopIteration
        message = self._receive()
        kind = message[0]
        if kind == "chunk":
            return _unpacked(*message[1:])
        self.close()
        if kind == "error":
            raise _error_from(message[1], message[2])
        raise StopIteration

    def _receive(self) -> tuple[Any, ...]:
        head = self._pipe.read(_FRAME.size)
        size = _FRAME.unpack(head)[0] if len(head) == _FRAME.size else 0
        body = self._pipe.read(size) if size else b""
        if not size or len(body) != size:  # the pipe closed before a whole message
            self.close()
            raise ImportProcessGone(
                "the process reading the file stopped unexpectedly "
                f"(exit code {self._child.returncode})"
            )
        collecting = gc.isenabled()
        gc.disable()  # plain values, no cycles: collections while they are made find nothing
        try:
            message: tuple[Any, ...] = pickle.loads(body)
        finally:
            if collecting:
                gc.enable()
        return message

    def close(self) -> None:
        """Stop the child (if it still runs) and wait for it."""
        if self._done:
            return
        self._done = True
        self._pipe.close()  # a child still writing gets a broken pipe and ends
        try:
            self._child.wait(2)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


# what the pipe holds (Linux: F_SETPIPE_SZ; 64 KB by default, less than one chunk of ~134 KB):
# ~7 chunks, so that a chunk that takes one side longer than usual does not stop the other.
# With less than one chunk of slack the reader starts a chunk only when the writer takes the
# one before: each side waits out the other's slow chunks (per-chunk CPU at 100,000 rows:
# p90 ~1.15x the median on both sides; modelled over 2,000 chunks of even sides, ~8 % longer
# than with a few chunks of slack)
PIPE_BYTES = 1 << 20


def _widen(fd: int) -> None:
    """Let the pipe ``fd`` hold :data:`PIPE_BYTES` where the system allows (as is if not)."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        return
    setting = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if setting is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, setting, PIPE_BYTES)


class ImportProcessGone(WinnowError):
    """The process reading the file ended without finishing (killed, or crashed)."""


def _error_from(pickled: bytes | None, text: str) -> BaseException:
    if pickled is not None:
        try:
            exc = pickle.loads(pickled)
            if isinstance(exc, BaseException):
                return exc
        except Exception:  # an error class that does not survive pickling
            pass
    return WinnowError(text)


def _for_the_writer(chunk: Chunk) -> Chunk:
    """``chunk`` without what the writing process does not read, so that it is not pickled
    and unpickled (three objects a row of a plain list, ~2 µs to unpickle): a row's e-mail,
    phone and address lists when its contact's columns hold all they say (``says_more`` is
    False, and stays so if a later row is merged into it, which adds to none of the lists;
    the writer's :func:`stored_values` finds it False on the empty lists too), and its
    warnings (the chunk holds them)."""
    for row in chunk.rows:
        row.warnings = []
        if not says_more(row.emails, row.phones, row.addresses):
            row.emails, row.phones, row.addresses = [], [], []
    return chunk


# a prepared row's attributes as the pipe carries them: the dataclass's fields, then the cached
# e-mail key (prepare works it out; read here, it is worked out if it was not)
_ROW_ATTRIBUTES = (*(f.name for f in fields(PreparedRow)), "email_key")
_row_attributes = attrgetter(*_ROW_ATTRIBUTES)
_new_row = object.__new__
_row_dict = attrgetter("__dict__")


def _packed(chunk: Chunk) -> tuple[Any, ...]:
    """``chunk`` as the pipe carries it: ("chunk", read, rejected, warnings, rows), each row
    a tuple of its :data:`_ROW_ATTRIBUTES`. A dataclass instance pickled as itself costs its
    class's reduce protocol and a state dict of named attributes a row, on both sides (the
    benchmark's 100,000 rows, min / median of 7 rounds at a load of ~11: the writer's
    ``pickle.loads`` 9.74 / 10.38 µs a row -> 7.21 / 8.74 with the rows made again here,
    the reader's ``pickle.dumps`` 4.60 / 5.69 -> 3.60 / 4.34; 306 -> 268 bytes a row)."""
    return (
        "chunk",
        chunk.read,
        chunk.rejected,
        chunk.warnings,
        list(map(_row_attributes, chunk.rows)),
    )


def _unpacked(
    read: int, rejected: list[RowIssue], warnings: list[RowIssue], rows: list[tuple[Any, ...]]
) -> Chunk:
    """The :class:`Chunk` :func:`_packed` sent: each row a :class:`PreparedRow` with the same
    attributes (made without its ``__init__``, in loops run by C)."""
    made = list(map(_new_row, repeat(PreparedRow, len(rows))))
    for _ in map(dict.update, map(_row_dict, made), map(zip, repeat(_ROW_ATTRIBUTES), rows)):
        pass
    return Chunk(made, read, rejected, warnings)


def send_prepared(fd: int, args: tuple[Any, ...]) -> None:
    """The child's work (:mod:`app.importing.reader_process`): every chunk of the file on
    ``fd``, then ("end",) — or ("error", pickled error, text)."""
    from app.importing.readers import open_table

    open_args, headers, mapping, preparer, size = args
    with os.fdopen(fd, "wb") as out:

        def send(message: tuple[Any, ...]) -> None:
            body = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
            out.write(_FRAME.pack(len(body)))
            out.write(body)
            out.flush()

        try:
            table = open_table(**open_args)
            if list(table.headers) != headers:
                raise WinnowError("the file changed while it was being imported")
            # the stored columns (name, sort key, the extra values' JSON, go-look columns and
            # score) are left to the writer: this process is the longer one while rows flow
            # (1,000,000 rows: ~83-92 s of CPU here; the writer 0.7-0.85 s for each of those
            # until the last chunk), so work moved there shortens the import (100,000 rows:
            # here -12 % CPU, the writer +1 s)
            rows = table.rows()
            for chunk in prepare_chunks(rows, headers, mapping, preparer, size, stored_here=False):
                send(_packed(_for_the_writer(chunk)))
            send(("end",))
        except (BrokenPipeError, ConnectionResetError):
            return  # the writer is gone (done with an error, or cancelled): nothing to tell
        except BaseException as exc:
            text = str(exc) or type(exc).__name__
            pickled: bytes | None = None
            try:
                whole = pickle.dumps(exc)
                pickle.loads(whole)  # what cannot come back whole comes back as its message
                pickled = whole
            except Exception:
                pass
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                send(("error", pickled, text))

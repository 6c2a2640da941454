"""Shared helpers: a cached demo database (100,000 contacts, or ``--size N``) and timing
utilities."""

from __future__ import annotations

import argparse
import atexit
import functools
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CACHE = Path(os.environ.get("WINNOW_BENCH_CACHE", Path(tempfile.gettempdir()) / "winnow-bench"))
DEFAULT_SIZE = 100_000
QUICK_SIZE = 10_000
SIZE_ENV = "WINNOW_BENCH_SIZE"  # set by ``python -m benchmarks --size N``
# a demo database of the benchmark size to read instead of the cache's (``--db FILE``): a
# million contacts take 20 minutes to generate again after every schema change
DB_ENV = "WINNOW_BENCH_DB"


def compiled_bytecode_env(**extra: str) -> dict[str, str]:
    """The environment of a Winnow process timed as a user runs it: Python's compiled modules
    kept, in the cache folder (as an installed Winnow has them in its ``__pycache__``);
    ``PYTHONDONTWRITEBYTECODE``, set where the benchmarks run, would compile every changed
    module of the project in every run."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(CACHE / "pycache"), **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def module_options(module: str, doc: str | None, *, db: bool = False) -> argparse.ArgumentParser:
    """The parser of a benchmark module's own entry point (``python -m benchmarks.bench_X``):
    ``--quick``, with ``db`` also ``--db FILE`` and ``--size N``; the module adds its own
    options. An option it does not know, ``--help`` among them, is answered by the parser,
    not ignored (the whole benchmark ran for a mistyped or asked-about option)."""
    first = (doc or "").strip().split("\n\n")[0]
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=first)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    if db:
        parser.add_argument("--db", metavar="FILE", help="a demo database to read (copied)")
        parser.add_argument("--size", type=int, metavar="N", help="contacts in the demo")
    return parser


def apply_db_options(args: argparse.Namespace) -> None:
    """``--db`` and ``--size`` of :func:`module_options` for :func:`demo_database` and
    :func:`bench_size`, as ``python -m benchmarks`` passes them."""
    if args.db:
        os.environ[DB_ENV] = str(Path(args.db).resolve())
    if args.size is not None:
        os.environ[SIZE_ENV] = str(args.size)


def bench_size(quick: bool = False) -> int:
    """Contacts in the demo database a benchmark runs on: ``--size N`` (``WINNOW_BENCH_SIZE``),
    else 100,000; ``--quick`` makes it 10,000 (or N, if smaller)."""
    raw = os.environ.get(SIZE_ENV, "")
    given = os.environ.get(DB_ENV, "")
    if raw.strip():
        size = int(raw)
    elif given:
        size = contacts_in(given)  # ``--db FILE`` alone: the file's own size
    else:
        size = DEFAULT_SIZE
    return min(size, QUICK_SIZE) if quick else size


@functools.cache
def contacts_in(path: str) -> int:
    """How many contacts the database file ``path`` holds (read once)."""
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM contacts").fetchone()[0])
    finally:
        conn.close()


@functools.cache
def _current(path: str) -> Path:
    """``path``, or a private copy of it when its schema is not the head (once a process)."""
    import sqlite3

    from db.migrate import head_revision

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        conn.close()
    if row is not None and row[0] == head_revision():
        return Path(path)
    print(
        f"{path} is at schema {row[0] if row else '?'}, not {head_revision()}: a copy is "
        "upgraded as it is opened (the file is left as it is)",
        file=sys.stderr,
    )
    return scratch_copy(Path(path))


def demo_database(n: int | None = None, seed: int = 1) -> Path:
    """A demo database with ``n`` contacts (default: :func:`bench_size`), generated once per
    schema and reused (read-only use): ``CACHE/demo-{n}-{seed}-{schema revision}.sqlite``."""
    if n is None:
        n = bench_size()
    given = os.environ.get(DB_ENV, "")
    if given and n == bench_size():
        # a demo database of that size made before; of another schema, a copy is upgraded as
        # it is opened (the file given is only read: opening it would upgrade it in place)
        return _current(given)
    from db.engine import open_database
    from db.migrate import head_revision

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"demo-{n}-{seed}-{head_revision()}.sqlite"
    if not path.exists():
        tmp = path.with_suffix(".partial")
        for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            p.unlink(missing_ok=True)
        from app.demo import generate_demo

        db = open_database(tmp)
        generate_demo(db, n, seed=seed)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        tmp.rename(path)
    return path


def scratch_copy(path: Path) -> Path:
    """A private copy of a cached database for benchmarks that write, removed (with whatever
    was written beside it: backups, settings) when the benchmark's process ends."""
    folder = Path(tempfile.mkdtemp(prefix="winnow-bench-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    out = folder / path.name
    shutil.copy(path, out)
    return out


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(samples), 5),
        "p95_s": round(percentile(samples, 95), 5),
        "max_s": round(max(samples), 5),
        "n": len(samples),
    }


def shown_window(
    db: Any,
    *,
    size: tuple[int, int] | None = None,
    persist_state: bool = False,
    wait_ms: int = 60_000,
    prebuild_views: bool = False,
) -> tuple[Any, Any]:
    """The Qt application and a main window on ``db``, shown (at ``size``), once the tasks it
    starts with are done (at most ``wait_ms``). ``persist_state`` keeps the window's state as a
    user's window does, in a settings folder of its own: never the user's settings."""
    from PySide6.QtCore import QSettings

    from ui.application import make_app
    from ui.main_window import MainWindow

    if persist_state:  # column states, sort: neither read from nor written to the user's
        folder = tempfile.mkdtemp(prefix="winnow-bench-settings-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)  # gone with the process
        QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, folder)
    app = make_app()
    window = MainWindow(db, persist_state=persist_state, prebuild_views=prebuild_views)
    if size is not None:
        window.resize(*size)
    window.show()
    for _ in range(3):
        app.processEvents()
    window.tasks.wait(wait_ms)
    return app, window


def scroll_to_the_end(
    app: Any, view: Any, model: Any, most_steps: int
) -> tuple[list[float], float]:
    """Scroll ``view`` to its last row as the scroll bar asks (to the bottom, again and again,
    each page painted) until ``model`` has nothing more to fetch, or after ``most_steps``
    steps: each step's seconds, and the whole scroll's."""
    from PySide6.QtCore import QModelIndex

    bar = view.verticalScrollBar()
    steps: list[float] = []
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        bar.setValue(bar.maximum())
        app.processEvents()
        view.viewport().repaint()
        steps.append(time.perf_counter() - t0)
        if not model.canFetchMore(QModelIndex()) and bar.value() == bar.maximum():
            break
        if len(steps) > most_steps:
            break
    return steps, time.perf_counter() - start


def first_list_page_s(where: Path | str, sort: tuple[str, bool] | None = None) -> float:
    """Seconds from opening the database (a file or an address) to the list model's first 40
    rows read, every column: in the list's own order, or by ``sort`` (key, descending)."""
    return first_list_page_times(where, sort)[0]


def first_list_page_times(
    where: Path | str, sort: tuple[str, bool] | None = None
) -> tuple[float, float]:
    """:func:`first_list_page_s` as (wall seconds, this thread's CPU seconds): the CPU time is
    what a loaded machine does not inflate."""
    from app.contacts import ContactQuery
    from db.engine import open_database
    from ui.contact_table import ContactTableModel

    start, cpu = time.perf_counter(), time.thread_time()
    db = open_database(where)
    model = ContactTableModel(db)
    if sort is not None:
        model.set_query(ContactQuery(sort=sort[0], descending=sort[1]))
    for row in range(min(40, model.rowCount())):
        for col in range(model.columnCount()):
            model.data(model.index(row, col))
    elapsed, used = time.perf_counter() - start, time.thread_time() - cpu
    db.close()
    return elapsed, used


# what a user types into the search box, a keystroke at a time
TYPED = [
    "Jürgen Mü",
    "kessler",
    "gmail",
    "Françoise",
    "plant man",
    "Öztürk",
    "CEO",
    "Hannover",
    "van Dijk",
    "Brandt Eng",
]


def typed_queries(count: int = 50) -> list[str]:
    """The searches typing :data:`TYPED` makes, from the second letter on: the first ``count``."""
    out = [phrase[:i] for phrase in TYPED for i in range(2, len(phrase) + 1)]
    return out[:count]

"""A search's first-page statements made ahead of typing (``app.paging.prepare_search``, which
the window runs on a worker once it is usable and after each change of order): the first
keystrokes in that order then compile no statement on the GUI thread, whichever plan they
take, and read the same pages as without it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

from app import paging, search
from app.contacts import ContactQuery
from db.engine import Database, open_database

pytestmark = pytest.mark.sqlite_only

# each plan a first page can take: the matches sorted, the sort index walked, and a walk
# stopped at its budget (a few entries) with the rest of the matches sorted after it; by
# company ascending, 400 entries walk the 251 empty companies to their end and go on
PLANS: list[tuple[search.Strategy, int | None]] = [
    (search.SORT, None),
    (search.WALK, None),
    (search.WALK, 40),
    (search.WALK, 400),
]
ORDERS = [("created", True), ("name", False), ("score", True), ("company", False)]
TYPED = ["gm", "a", "jurgen", "m", "plant man"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from app.demo import generate_demo

    path: Path = tmp_path_factory.mktemp("search-prepare") / "winnow.sqlite"
    db = open_database(path)
    try:
        generate_demo(db, 1500, seed=11)
    finally:
        db.close()
    yield path


def _compiled(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements compiled on ``db``'s engine from now on: by SQLAlchemy (not found in
    the engine's cache of compiled statements) or for the driver (a kept statement's SQL,
    :func:`app.paging._driver_form`)."""
    compiled: list[str] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def seen(*args: Any) -> None:
        context = args[4]
        if context is not None and context.cache_hit == CacheStats.CACHE_MISS:
            compiled.append(args[2])

    compile_for_driver = paging._compile_for_driver

    def for_driver(conn: Any, stmt: Any) -> Any:
        form = compile_for_driver(conn, stmt)
        if conn.engine is db.engine:
            compiled.append(form[0] if form is not None else str(stmt))
        return form

    monkeypatch.setattr(paging, "_compile_for_driver", for_driver)
    return compiled


@pytest.mark.parametrize(("sort", "descending"), ORDERS)
def test_the_first_keystrokes_in_a_prepared_order_compile_nothing(
    sample: Path, sort: str, descending: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepared, cold = open_database(sample), open_database(sample)  # each its own engine
    try:
        listed = ContactQuery(sort=sort, descending=descending)
        assert paging.prepare_search(prepared, listed, 200) > 0
        compiled, compiled_cold = _compiled(prepared, monkeypatch), _compiled(cold, monkeypatch)
        for strategy, budget in PLANS:
            with search.forced(strategy, budget):
                for typed in TYPED:
                    q = replace(listed, search=typed)
                    page = paging.keys_between(prepared, q, limit=200)
                    assert page == paging.keys_between(cold, q, limit=200)
        assert compiled == []
        # the same keystrokes on an engine where nothing was made ahead compile their statements
        assert len(compiled_cold) >= 4
    finally:
        prepared.close()
        cold.close()


def test_a_walk_stopped_at_its_budget_reads_the_rest_after_it_whatever_the_bound(
    sample: Path,
) -> None:
    """The sorted rest after a walk's last entry is one statement per order and run, the
    entry given at each execution: every budget gives the page every other plan gives."""
    db = open_database(sample)
    try:
        for sort, descending in ORDERS:
            q = ContactQuery(search="a", sort=sort, descending=descending)
            with search.forced(search.SORT):
                expected = paging.keys_between(db, q, limit=200)
            for budget in (1, 7, 40, 333):
                with search.forced(search.WALK, budget):
                    assert paging.keys_between(db, q, limit=200) == expected, (sort, budget)
    finally:
        db.close()


def test_a_walk_over_two_runs_steps_its_budget_in_all(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The budget is the whole walk's, not each run's: by company, the empty companies walked
    to their end leave the other companies what they did not step. A budget one entry short
    of the page's last match stops the walk there (the rest sorted after it), whichever run
    that match lies in."""
    db = open_database(sample)
    try:
        q = ContactQuery(search="jurgen", sort="company", descending=False)
        with search.forced(search.SORT):
            matches = paging.keys_between(db, q)
        # a page of the matches among the empty companies and the first among the others
        limit = sum(1 for key in matches if key.value is None) + 1
        expected = matches[:limit]
        entries = paging.keys_between(db, replace(q, search=""))  # the index, in order
        empty = sum(1 for key in entries if key.value is None)
        reach = entries.index(expected[-1]) + 1  # the entries a walk steps to fill the page
        assert 1 < limit < len(matches) and 0 < empty < reach - 1
        place = (replace(q, search=""), None, None, frozenset[int]())
        for budget, stopped in ((reach, False), (reach - 1, True), (empty + 1, True)):
            monkeypatch.setattr(search, "_short_walks", type(search._short_walks)())
            with search.forced(search.WALK, budget):
                assert paging.keys_between(db, q, limit=limit) == expected, budget
            assert search.walk_fell_short(db, place, "jurgen") is stopped, budget
    finally:
        db.close()


def test_nothing_is_made_for_a_query_whose_statements_are_not_kept(sample: Path) -> None:
    db = open_database(sample)
    try:
        assert paging.prepare_search(db, ContactQuery(queue="overdue"), 200) == 0
    finally:
        db.close()


def _run(db: Database) -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """The SQL and values run on ``db``'s engine within the block (SQLAlchemy's statements
    and the driver's, :func:`app.search.driver_rows`)."""
    seen: list[tuple[str, tuple[Any, ...]]] = []

    def record(_conn: Any, _cursor: Any, sql: str, params: Any, *_rest: Any) -> None:
        if not sql.startswith(("BEGIN", "SELECT id FROM import_batches")):
            seen.append((sql, tuple(params or ())))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_kept_statements_run_on_the_driver_as_sqlalchemy_would_run_them(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first page's kept statements run on the driver's connection (no SQLAlchemy execution
    around them): the same SQL with the same values, in the same order, as SQLAlchemy runs
    where the driver is not used, and the same pages, in every order and plan (walks that
    stop at their budget and sort the rest, walks over two runs, filters as constants)."""
    from contextlib import contextmanager

    record = contextmanager(_run)
    orders = [replace(ContactQuery(sort=s, descending=d)) for s, d in ORDERS]
    orders.append(ContactQuery(sort="company", descending=True, source="web"))
    orders.append(ContactQuery(sort="name", descending=False, stage_keys=("suspect", "mql")))
    driver, sqlalchemy = open_database(sample), open_database(sample)
    try:
        monkeypatch.setattr(search, "_short_walks", type(search._short_walks)())
        for listed in orders:
            for strategy, budget in PLANS:
                with search.forced(strategy, budget):
                    for typed in [*TYPED, "zzzz"]:
                        q = replace(listed, search=typed)
                        with record(driver) as fast:
                            page = paging.keys_between(driver, q, limit=200)
                        with monkeypatch.context() as m:
                            m.setattr(paging, "_compile_for_driver", lambda _c, _s: None)
                            with record(sqlalchemy) as slow:
                                expected = paging.keys_between(sqlalchemy, q, limit=200)
                        assert page == expected, (listed, strategy, budget, typed)
                        assert fast == slow, (listed, strategy, budget, typed)
        # the driver was used: its statements reached SQLite without SQLAlchemy's context
        contexts: list[Any] = []
        event.listen(driver.engine, "before_cursor_execute", lambda *a: contexts.append(a[4]))
        paging.keys_between(driver, ContactQuery(search="jurgen"), limit=200)
        assert contexts and all(c is None for c in contexts[1:]), contexts
    finally:
        driver.close()
        sqlalchemy.close()


def test_a_search_typed_on_from_a_sorted_one_is_sorted_without_counting_again(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search sorted for its few matches leaves the searches typed on from it (fewer
    matches still) sorted at once: no estimate of their matches is counted, and the pages
    are the sorted plan's. A search that does not narrow it ("kessler") is counted."""
    from contextlib import contextmanager

    record = contextmanager(_run)
    db = open_database(sample)
    try:
        monkeypatch.setattr(search, "_short_walks", type(search._short_walks)())
        for sort, descending in ORDERS:
            monkeypatch.setattr(search, "_estimates", type(search._estimates)())  # none kept
            listed = ContactQuery(sort=sort, descending=descending)
            first = replace(listed, search="jur")
            assert search.plan(db, "jur", 200, True) == search.SORT  # few matches
            paging.keys_between(db, first, limit=200)
            for typed, counted in (("jurgen", False), ("jurgen m", False), ("kessler", True)):
                q = replace(listed, search=typed)
                with record(db) as seen:
                    page = paging.keys_between(db, q, limit=200)
                estimates = [sql for sql, _ in seen if "LIMIT ?)" in sql and "count(*)" in sql]
                assert bool(estimates) == counted, (sort, typed, seen)
                with search.forced(search.SORT):
                    assert page == paging.keys_between(db, q, limit=200)
    finally:
        db.close()

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


def _compiled(db: Database) -> list[str]:
    """The statements SQLAlchemy compiles on ``db``'s engine from now on (not found in the
    engine's cache of compiled statements)."""
    compiled: list[str] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def seen(*args: Any) -> None:
        context = args[4]
        if context is not None and context.cache_hit == CacheStats.CACHE_MISS:
            compiled.append(args[2])

    return compiled


@pytest.mark.parametrize(("sort", "descending"), ORDERS)
def test_the_first_keystrokes_in_a_prepared_order_compile_nothing(
    sample: Path, sort: str, descending: bool
) -> None:
    prepared, cold = open_database(sample), open_database(sample)  # each its own engine
    try:
        listed = ContactQuery(sort=sort, descending=descending)
        assert paging.prepare_search(prepared, listed, 200) > 0
        compiled, compiled_cold = _compiled(prepared), _compiled(cold)
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

"""Whatever plan reads a search's page — its matches sorted, the sort index walked without a
bound, or walked for a budget of entries and sorted after it — the page holds the same
contacts in the same order as sorting every match: random contacts (matches lying together
in the order, empty sort values, ties), random searches, sorts, budgets and page bounds."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from app import contacts, paging, search
from app.contacts import ContactQuery
from app.paging import Key
from db.engine import Database, open_database
from db.models import Contact
from tests.app.search_helpers import every_match_sorted

pytestmark = pytest.mark.sqlite_only  # the plans are SQLite's (app.search)

FIRSTS = ["Jürgen", "Jurgen", "Anna", "Zoë", "Jürg", "Mårten", "Ayşe", "Bert"]
LASTS = ["Müller", "Jülich", "Ahn", "Zander", "Kessler", "van Dijk", "Öztürk", "Brandt"]
COMPANIES = [None, None, "Kessler GmbH", "Jülich AG", "Anna & Co", "Brandt Engineering"]
TITLES = [None, "CEO", "Plant manager", "Buyer", "Head of Jürgen"]
TYPED = ["j", "jü", "jür", "jürgen", "jürgen m", "jurg", "an", "ke", "kessler b", "zz", "br"]
SORTS = sorted(contacts._WALKABLE_SORTS)


@pytest.fixture(scope="module")
def random_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """400 contacts: first names from a few (a typed first name matches contacts that lie
    together in the name order), empty companies and titles, tied and empty scores."""
    path: Path = tmp_path_factory.mktemp("search-random") / "winnow.sqlite"
    db = open_database(path)
    rng = random.Random(15)
    for n in range(400):
        # the first names come in runs, so that matches lie together by date added too
        first = FIRSTS[(n // 40 + rng.randrange(2)) % len(FIRSTS)]
        contacts.create_contact(
            db,
            stage=rng.choice(["suspect", "suspect", "inquiry"]),
            first_name=first,
            last_name=rng.choice(LASTS),
            email=rng.choice([None, f"p{n}@firma.de", f"{first.lower()}{n}@gmail.com"]),
            company=rng.choice(COMPANIES),
            title=rng.choice(TITLES),
        )
    with db.session() as s:
        s.execute(update(Contact).where(Contact.id % 3 == 0).values(score=None))
        s.execute(update(Contact).where(Contact.id % 4 == 1).values(score=40))
        s.commit()
    yield db
    db.close()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    typed=st.sampled_from(TYPED),
    sort=st.sampled_from(SORTS),
    descending=st.booleans(),
    staged=st.booleans(),
    page=st.integers(1, 60),
    budget=st.integers(1, 450),
    start=st.floats(0, 1),
    span=st.one_of(st.none(), st.integers(0, 120)),
    leave_out=st.integers(0, 5),
)
def test_every_plan_reads_the_pages_a_full_sort_reads(
    random_db: Database,
    typed: str,
    sort: str,
    descending: bool,
    staged: bool,
    page: int,
    budget: int,
    start: float,
    span: int | None,
    leave_out: int,
) -> None:
    q = ContactQuery(
        search=typed, sort=sort, descending=descending, stage_keys=("suspect",) if staged else ()
    )
    full = every_match_sorted(random_db, q)
    # a page after a key (the window's end), up to another (a window read again), leaving
    # some matches out (the ones a pager places itself)
    first = int(start * len(full))
    after = full[first - 1] if first else None
    through = None
    if span is not None and first + span < len(full):
        through = full[first + span]
    skipped = {k.id for k in full[first : first + 2 * leave_out : 2]}
    expected = [
        k
        for k in full[first:]
        if k.id not in skipped and (through is None or full.index(k) <= full.index(through))
    ][:page]
    plans = [(search.SORT, None), (search.WALK, None), (search.WALK, budget)]
    for strategy, steps in plans:
        with search.forced(strategy, steps):
            got = paging.keys_between(
                random_db, q, after=after, through=through, limit=page, exclude=skipped
            )
        assert got == expected, (strategy, steps)
    # and the plan the estimate picks, with whatever it remembers of walks that fell short
    got = paging.keys_between(
        random_db, q, after=after, through=through, limit=page, exclude=skipped
    )
    assert got == expected
    # and a walk given up for the sort where a sample of the matches says it would reach
    # far (paging.walk_reach; here: past a third of the contacts)
    with (
        mock.patch.object(search, "choose", _walk_unless_far),
        mock.patch.object(search, "SAMPLE_WORTH", 0),
    ):
        got = paging.keys_between(
            random_db, q, after=after, through=through, limit=page, exclude=skipped
        )
    assert got == expected


def _walk_unless_far(
    matches: int, size: int, limit: int | None, *_: object, reach: float = 0
) -> search.Strategy:
    return search.SORT if reach > size / 3 else search.WALK


@pytest.mark.parametrize("sort", ["name", "company", "created"])
def test_a_short_walk_is_remembered_for_the_searches_typed_on_from_it(
    random_db: Database, sort: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A walk that stopped at its budget makes the searches that narrow it (typed on) sort
    their matches at once, at that place only; the pages are the same either way."""
    monkeypatch.setattr(search, "_short_walks", type(search._short_walks)())
    # a budget far too small for the page: every walk falls short
    monkeypatch.setattr(search, "budget", lambda matches, size, limit, keyed=False: 2)
    monkeypatch.setattr(
        search, "choose", lambda matches, size, limit, keyed=False, **_: search.WALK
    )
    for typed in ("jü", "jür", "jürgen", "jürgen m"):
        q = ContactQuery(search=typed, sort=sort)
        assert paging.keys_between(random_db, q, limit=30) == every_match_sorted(random_db, q)[:30]
    place: tuple[object, ...] = (ContactQuery(search="", sort=sort), None, None, frozenset())
    assert search.walk_fell_short(random_db, place, "Jürgen Mü")
    assert search.walk_fell_short(random_db, place, "JURGEN")  # as the index folds it
    assert not search.walk_fell_short(random_db, place, "j")  # broader: not implied
    assert not search.walk_fell_short(random_db, place, "anna")
    elsewhere: tuple[object, ...] = (ContactQuery(search="", sort=sort), None, None, frozenset({1}))
    assert not search.walk_fell_short(random_db, elsewhere, "jürgen")
    # with the plan forced (tests comparing plans) nothing is taken from memory
    with search.forced(search.WALK, 2):
        assert not search.walk_fell_short(random_db, place, "jürgen")


def test_keys_out_of_order_are_caught() -> None:
    """The walk reads its bounded subquery in the order SQLite produces it; were that ever
    not the query's order, the page is sorted instead (paging._ordered)."""
    up = [Key("a", 3), Key("a", 5), Key("b", 1)]
    assert paging._ordered(up, descending=False)
    assert not paging._ordered(up, descending=True)
    assert paging._ordered(up[::-1], descending=True)
    assert not paging._ordered([Key("b", 1), Key("a", 3)], descending=False)
    assert paging._ordered([Key(None, 1), Key(None, 4)], descending=False)  # the empty run
    assert not paging._ordered([Key(1, 1), Key("a", 2)], descending=False)  # mixed: unsure


def test_the_budget_bounds_a_walk_by_the_cost_of_sorting(
    random_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a walk may step about as many entries as sorting the matches would cost
    steps = search.budget(20_000, 1_000_000, 200)
    cost = search._STEP_COST * steps + search._SET_COST * 20_000
    assert cost == pytest.approx(search._sort_cost(1_000_000) * 20_000, rel=0.01)
    assert search.budget(10, 1_000_000, 200) == 200  # never less than the page
    assert search.budget(900_000, 1_000_000, 200) == 1_000_000  # never past the index
    # a walk with a budget as large as the index needs no bound
    assert search.plan_bounded(random_db, "zz", 50, can_walk=True)[1] is None
    monkeypatch.setattr(search, "estimate", lambda db, typed, conn=None: (20_000, 1_000_000))
    assert search.plan_bounded(random_db, "jü", 200, can_walk=True) == (
        search.WALK,
        search.budget(20_000, 1_000_000, 200),
    )


def test_several_words_are_estimated_by_the_contacts_matching_all_of_them(
    random_db: Database,
) -> None:
    """Words of two letters or more are counted together: as many contacts as match them all
    (an upper bound of the search's matches: a word of one letter is left out), fewer than
    the rarest of them matches where the words seldom meet (they were estimated by the
    rarest word: a walk priced for its many matches then stepped its budget for the few)."""
    jurgen, size = search.estimate(random_db, "jürgen")
    assert 0 < jurgen < size
    assert search.estimate(random_db, "jürgen m") == (jurgen, size)  # "m": not counted
    kessler = search.estimate(random_db, "kessler")[0]
    both = len(every_match_sorted(random_db, ContactQuery(search="jürgen kessler")))
    assert 0 < both < min(jurgen, kessler)
    assert search.estimate(random_db, "jürgen kessler") == (both, size)
    assert search.estimate(random_db, "jürgen kessler b")[0] == both  # "b": not counted
    assert search.estimate(random_db, "zz kessler")[0] == 0
    assert search.estimate(random_db, "j")[0] >= jurgen  # one word: counted as typed


@pytest.mark.parametrize("sort", SORTS)
def test_a_bounded_walk_reads_the_index_in_order_and_sorts_nothing(
    random_db: Database, sort: str
) -> None:
    """The bound costs nothing when the page fills early: the subquery is read as it comes
    (a coroutine over the sort index), never collected and sorted."""
    from sqlalchemy import event

    seen: list[tuple[str, tuple[object, ...]]] = []

    def keep(_conn: object, _cursor: object, sql: str, params: Any, *_rest: object) -> None:
        if "walked" in sql:
            seen.append((sql, tuple(params)))

    event.listen(random_db.engine, "before_cursor_execute", keep)
    try:
        with search.forced(search.WALK, 300):
            paging.keys_between(random_db, ContactQuery(search="j", sort=sort), limit=20)
    finally:
        event.remove(random_db.engine, "before_cursor_execute", keep)
    assert seen
    with random_db.engine.connect() as conn:
        for sql, params in seen:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
            plan = "\n".join(str(r[-1]) for r in rows)
            assert "TEMP B-TREE" not in plan, plan
            assert "CO-ROUTINE" in plan or "MATERIALIZE" in plan, plan
            assert "INDEX" in plan, plan

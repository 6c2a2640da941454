"""Where a broad search's matches lie in the sort order (app.paging.walk_reach): a sample of
the matches placed among a sample of all contacts tells how far a walk of the sort index
would go before the page fills; matches lying together late in the order (a first name typed,
sorted by name) are then sorted at once. The pages are the same whichever plan reads them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from app import contacts, paging, search
from app.contacts import ContactQuery
from app.paging import Key
from db.engine import Database, open_database
from db.models import Contact
from tests.app.search_helpers import every_match_sorted

pytestmark = pytest.mark.sqlite_only  # the plans and their samples are SQLite's

# 120 contacts: every contact is in the sample of the whole order (paging._SPREAD_SIZE, 128) and,
# each stretch of the ids holding at most SAMPLE_PER_STRIPE matches of "zy" / "ol" / "ke",
# every match is in the sample of the matches: the reach is then exact
FIRSTS = ["Anna", "Bert", "Carla", "Dirk", "Emil", "Frida", "Olaf", "Zygmunt"]
LASTS = ["Brandt", "Kessler", "Müller", "Olsen", "Weber", "Adler", "Bauer", "Huber", "Lang"]
COMPANIES = [None, None, None, "Kessler GmbH", "Brandt AG", "Olsen & Co", "Lang KG", "Adler AG"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path: Path = tmp_path_factory.mktemp("search-reach") / "winnow.sqlite"
    database = open_database(path)
    rng = random.Random(7)
    for n in range(120):
        # "Zygmunt" one contact in 20: all of them last in the name order
        first = "Zygmunt" if n % 20 == 7 else rng.choice(FIRSTS[:-1])
        contacts.create_contact(
            database,
            first_name=first,
            last_name=rng.choice(LASTS),
            email=rng.choice([None, f"p{n}@firma.de"]),
            company=rng.choice(COMPANIES),
        )
    with database.session() as s:
        s.execute(update(Contact).where(Contact.id % 3 == 0).values(score=None))
        s.execute(update(Contact).where(Contact.id % 5 == 1).values(score=40))
        s.commit()
    yield database
    database.close()


def _order(db: Database, q: ContactQuery) -> list[int]:
    """Every contact's id in the query's order (its search left out)."""
    bare = ContactQuery(sort=q.sort, descending=q.descending)
    return contacts.query_ids(db, bare)


@pytest.mark.parametrize(
    ("sort", "descending"),
    [
        ("name", False),
        ("name", True),
        ("company", False),
        ("company", True),
        ("score", True),
        ("score", False),
        ("created", True),
    ],
)
@pytest.mark.parametrize("typed", ["zy", "ol", "ke", "Zy"])
@pytest.mark.parametrize("limit", [1, 3, 5])
def test_the_reach_is_where_the_walk_fills_the_page(
    db: Database, sort: str, descending: bool, typed: str, limit: int
) -> None:
    """Every contact and every match sampled: the reach is the number of contacts before the
    match one past the page (k = limit + 1 of all the matches), in any order, empty values
    first ascending and last descending."""
    q = ContactQuery(search=typed, sort=sort, descending=descending)
    matches = every_match_sorted(db, q)
    ids, found = search.sample_matches(db, search.sampled_word(typed) or "")
    assert sorted(ids) == sorted(k.id for k in matches)  # every match sampled
    assert found == len(matches)
    everyone = _order(db, q)
    with db.session() as s:
        reach = paging.walk_reach(s, db, q, paging._Order(q), limit)
    assert reach is not None
    size = max(everyone)
    assert reach == pytest.approx(everyone.index(matches[limit].id) * size / len(everyone))


def test_matches_late_in_the_order_are_sorted_at_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "Zy" sorted by name: all its matches are last, a walk would step every other contact
    first; with a walk chosen by the estimate (as an even spread of the matches would
    allow), the sample sorts the matches instead, and remembers it for the searches typed on
    from there. Elsewhere the walk stays."""
    monkeypatch.setattr(search, "_short_walks", type(search._short_walks)())
    monkeypatch.setattr(search, "SAMPLE_WORTH", 0)  # a sort of a few matches: sampled too
    reaches: list[float] = []

    def choose(matches: int, size: int, limit: int | None, *_: Any, reach: float = 0) -> str:
        if reach:
            reaches.append(reach)
        return search.SORT if reach > size / 2 else search.WALK

    monkeypatch.setattr(search, "choose", choose)
    # walks bounded (the index is smaller than a budget would be), within the page's reach
    monkeypatch.setattr(search, "budget", lambda matches, size, limit, keyed=False: 60)
    walked: list[str] = []
    real_walk = paging._walk

    def spy(*args: Any, **kwargs: Any) -> list[Key]:
        walked.append(args[2].search)
        return real_walk(*args, **kwargs)

    monkeypatch.setattr(paging, "_walk", spy)
    for typed, walks in (("zy", False), ("ol", True), ("Ke", True)):
        q = ContactQuery(search=typed, sort="name", descending=False)
        assert search.plan(db, typed, 3, can_walk=True) == search.WALK
        assert paging.keys_between(db, q, limit=3) == every_match_sorted(db, q)[:3]
        assert (typed in walked) == walks, typed
    # "zy": its 4th match (k for a page of 3 of its 6) lies past 100 of the 120 contacts
    assert reaches[0] > 100
    assert len(reaches) == 3 and max(reaches[1:]) < 60
    bare = ContactQuery(search="", sort="name", descending=False)
    place: tuple[object, ...] = (bare, None, None, frozenset())
    assert search.walk_fell_short(db, place, "zyg")  # typed on: sorted at once
    assert not search.walk_fell_short(db, place, "ol")
    # later pages, and a plan forced, walk as before (the sample is of a first page)
    walked.clear()
    q = ContactQuery(search="zy", sort="name", descending=False)
    first = every_match_sorted(db, q)
    assert paging.keys_between(db, q, after=first[0], limit=3) == first[1:4]
    with search.forced(search.WALK, 50):
        assert paging.keys_between(db, q, limit=3) == first[:3]
    assert walked == ["zy", "zy"]


def test_a_walk_that_reaches_far_costs_more_than_the_sort() -> None:
    """1,000,000 contacts, 20,000 matches sorted by name: spread evenly a walk fills the page
    within 10,000 entries; lying half-way down the order, sorting them is cheaper."""
    assert search.choose(20_000, 1_000_000, 200, keyed=True) == search.WALK
    assert search.choose(20_000, 1_000_000, 200, keyed=True, reach=9_000) == search.WALK
    assert search.choose(20_000, 1_000_000, 200, keyed=True, reach=500_000) == search.SORT
    # the rows' sort costs three times the keys': a walk may go three times as far
    assert search.choose(20_000, 1_000_000, 200, reach=100_000) == search.WALK


def test_a_word_of_two_letters_is_sampled() -> None:
    assert search.sampled_word("Jü") == "Jü"
    assert search.sampled_word("plant ma") == "ma"
    assert search.sampled_word("ma plant") == "ma"
    assert search.sampled_word("Jür") is None  # three letters: no table of their prefix
    assert search.sampled_word("Jürgen M") is None  # one letter: too many words
    assert search.sampled_word("p1@firma") is None


@pytest.mark.parametrize("word", ["an", "fi", "ke", "zz"])
def test_the_sample_is_spread_over_the_ids_and_counts_the_matches(db: Database, word: str) -> None:
    """Each stretch of the ids gives its first matches, and how densely they lie there
    counts the matches beyond the sample (the estimate's count is capped)."""
    ids, found = search.sample_matches(db, word)
    everyone = sorted(k.id for k in every_match_sorted(db, ContactQuery(search=word)))
    size, stripes, per = 120, search.SAMPLE_STRIPES, search.SAMPLE_PER_STRIPE
    full = False
    for stripe in range(stripes):
        low, high = size * stripe // stripes + 1, size * (stripe + 1) // stripes + 1
        there = [i for i in everyone if low <= i < high]
        assert [i for i in ids if low <= i < high] == there[:per]
        full = full or len(there) > per
    assert len(ids) == len(set(ids))
    assert full == (word == "fi")  # (both ways seen)
    if full:  # some stretch holds more than its sample: counted from how dense it is
        assert found == pytest.approx(len(everyone), rel=0.3)
    else:
        assert found == len(everyone)


def test_a_sample_is_taken_only_where_the_sort_costs_enough() -> None:
    """A sample costs ~0.2 ms: taken where the sort it may choose costs ten times that (a walk
    whose matches lie together late in the order steps a budget as long as the sort and then
    sorts them: twice the sort). Matches that sort in 2 ms or more are sampled: "ke" sorted by
    company at 100,000 (4,635 matches, all but 58 at one company past a third of the order;
    walked 24,150 entries and sorted after them before, 12.7 ms against 3.4 sampled), "Jü" by
    name (2,962 matches, their keys in an index by id)."""
    assert search.worth_sampling(4_635, 100_000)  # "ke": 5.1 ms (not sampled at 8 ms)
    assert search.worth_sampling(2_962, 100_000, keyed=True)  # "Jü" by name: 2.1 ms
    assert not search.worth_sampling(1_000, 100_000)  # 1.1 ms
    assert not search.worth_sampling(2_000, 100_000, keyed=True)  # 1.4 ms
    assert search.worth_sampling(20_000, 1_000_000, keyed=True)  # "Jü" at 1,000,000: 14 ms
    assert search.worth_sampling(1_000, 1_000_000)  # its rows: 2.2 µs a match
    assert not search.worth_sampling(2_000, 1_000_000, keyed=True)

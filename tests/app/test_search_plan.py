"""A search reads the same contacts in the same order whichever plan reads it: the matches
sorted (narrow searches) or the sort index walked (broad ones), page by page in every sort."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from app import contacts, paging, search
from app.contacts import SORT_COLUMNS, ContactQuery
from app.paging import Key
from db.engine import Database, open_database
from db.models import Contact

pytestmark = pytest.mark.sqlite_only

SEARCHES = [
    "a",
    "gm",
    "gmail",
    "jurgen",
    "JÜRG",
    "lefev",
    "ceo",
    "plant man",
    "p3@firma",
    "firma",
    "alt-box",
    "zzzz",
    "m",
    "gmail.com",
]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """1,500 demo contacts, a few hundred more with accents and other e-mail addresses."""
    from app.demo import generate_demo

    path: Path = tmp_path_factory.mktemp("search-plan") / "winnow.sqlite"
    db = open_database(path)
    generate_demo(db, 1500, seed=11)
    rng = random.Random(3)
    firsts = ["Jürgen", "Françoise", "Ayşe", "Jurgen", "Seán", "Zoë", "Mårten"]
    lasts = ["Müller", "Lefèvre", "Öztürk", "Kessler", "O'Brien", "van Dijk", None]
    for n in range(300):
        first, last = rng.choice(firsts), rng.choice(lasts)
        cid = contacts.create_contact(
            db,
            first_name=first,
            last_name=last,
            email=[f"p{n}@firma.de", f"x{n}@gmail.com", None][n % 3],
            company=rng.choice([None, "Kessler GmbH", "Lefèvre SAS", "Plant & Co"]),
            title=rng.choice([None, "CEO", "Plant manager", "Buyer"]),
        )
        if n % 3 == 0:  # other addresses are searched too (migration 0009)
            others = json.dumps([f"alt-box{n}@mail.example", f"p{n}@firma.example"])
            with db.session() as s:
                s.execute(
                    text("UPDATE contacts SET other_emails = :o WHERE id = :id"),
                    {"o": others, "id": cid},
                )
                s.commit()
    yield db
    db.close()


def _old(db: Database, q: ContactQuery) -> list[int]:
    """Today's query before this change: every match, sorted."""
    stmt = contacts._filtered(contacts._base([Contact.id]), q, db, search.SORT)
    with db.session() as s:
        return list(s.scalars(stmt.order_by(*contacts.order_by(q))))


def _paged(db: Database, q: ContactQuery, page: int) -> list[int]:
    out: list[int] = []
    after: Key | None = None
    while True:
        keys = paging.keys_between(db, q, after=after, limit=page)
        out.extend(k.id for k in keys)
        if len(keys) < page:
            return out
        after = keys[-1]


@pytest.mark.parametrize("sort", sorted(SORT_COLUMNS))
def test_every_plan_reads_the_same_pages_in_every_sort(sample: Database, sort: str) -> None:
    for typed in SEARCHES:
        for descending in (False, True):
            for stage_keys in ((), ("suspect",)):
                q = ContactQuery(
                    search=typed, sort=sort, descending=descending, stage_keys=stage_keys
                )
                expected = _old(sample, q)
                if typed not in ("zzzz",) and not stage_keys:
                    assert expected, typed  # the sample has matches for the others
                for strategy in (search.SORT, search.WALK):
                    with search.forced(strategy):
                        assert _paged(sample, q, 97) == expected, (typed, strategy, descending)
                        assert contacts.query_ids(sample, q, 0, 40) == expected[:40]
                assert _paged(sample, q, 200) == expected  # the plan chosen by the estimate


def test_accents_e_mail_parts_and_other_addresses_are_found_by_both_plans(
    sample: Database,
) -> None:
    for strategy in (search.SORT, search.WALK):
        with search.forced(strategy):
            for typed, column in [("jurgen", "name"), ("alt-box", "other"), ("p3@firma", "email")]:
                ids = contacts.query_ids(sample, ContactQuery(search=typed, sort="name"), 0, 50)
                assert ids, (typed, strategy)
                rows = contacts.get_contact(sample, ids[0])
                if column == "name":
                    assert "rgen" in rows.name
                elif column == "other":
                    assert any("alt-box" in e for e in rows.other_emails)
                else:
                    assert any(
                        e.startswith("p3@firma") for e in [rows.email or "", *rows.other_emails]
                    )


def test_the_estimate_chooses_the_walk_only_where_it_is_cheaper(sample: Database) -> None:
    assert search.choose(20_000, 100_000, 200) == search.WALK
    assert search.choose(300, 100_000, 200) == search.SORT
    assert search.choose(0, 100_000, 200) == search.SORT
    assert search.choose(50_000, 100_000, None) == search.SORT  # every row wanted: sort
    matches, size = search.estimate(sample, "a")
    assert size >= 1800 and 0 < matches <= search.ESTIMATE_CAP
    assert search.estimate(sample, "zzzz")[0] == 0
    # an unindexed sort or a filter the walk cannot use keeps the sorted plan
    assert search.plan(sample, "a", 200, can_walk=False) == search.SORT
    assert search.plan(sample, "a", None, can_walk=True) == search.SORT


def _plan(db: Database, q: ContactQuery, strategy: search.Strategy) -> str:
    order = paging._Order(q)
    with search.forced(strategy):
        stmt = contacts.select_matching([Contact.id], q, db, limit=200)
    stmt = stmt.where(order.in_run(False)).order_by(*contacts.order_by(q)).limit(200)
    compiled = stmt.compile(dialect=db.engine.dialect)
    params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params).all()
    return "\n".join(str(r[-1]) for r in rows)


@pytest.mark.parametrize("sort", sorted(contacts._WALKABLE_SORTS))
def test_the_walk_reads_the_sort_index_and_never_sorts_the_matches(
    sample: Database, sort: str
) -> None:
    for descending in (False, True):
        q = ContactQuery(search="gm", sort=sort, descending=descending)
        walk = _plan(sample, q, search.WALK)
        assert "TEMP B-TREE" not in walk, walk
        assert "USING INDEX" in walk or "USING COVERING INDEX" in walk, walk
        assert "LIST SUBQUERY" in walk, walk  # the set of matches, built once
    # the sorted plan looks the matches up by id and sorts them
    sort_plan = _plan(sample, ContactQuery(search="gm", sort=sort), search.SORT)
    assert "TEMP B-TREE FOR ORDER BY" in sort_plan or "rowid=?" in sort_plan


def test_the_capped_count_stops_at_the_cap(sample: Database) -> None:
    for typed in ("a", "jurgen mü", "zzzz", "gmail"):
        q = ContactQuery(search=typed)
        exact = contacts.count(sample, q)
        assert contacts.count_capped(sample, q, cap=100) == min(exact, 101)
        assert contacts.count_capped(sample, q) == min(exact, contacts.COUNT_CAP + 1)
    assert contacts.count(sample, ContactQuery(search="a")) > 101

"""Search as you type finds the same contacts on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from app import contacts
from app.contacts import ContactQuery
from app.search import fts_query, tsquery
from db.engine import Database, open_database
from db.migrate import current_revision, head_revision, upgrade_to_head


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    rows = {
        "jurgen": dict(
            first_name="Jürgen",
            last_name="Weißmann",
            email="j.weissmann@kessler-werke.de",
            company="Kessler GmbH",
            title="Plant manager",
        ),
        "francoise": dict(
            first_name="Françoise",
            last_name="Lefèvre",
            email="fl@gmail.com",
            company="Lefèvre SAS",
            title="CEO",
        ),
        "ayse": dict(
            first_name="Ayşe",
            last_name="Öztürk",
            email="ayse+crm@ozturk.com.tr",
            company="Öztürk Makine A.Ş.",
            title="Buyer",
        ),
        "o_brien": dict(first_name="Seán", last_name="O'Brien", email="sean_ob@example.ie"),
    }
    return {k: contacts.create_contact(db, **v) for k, v in rows.items()}  # type: ignore[arg-type]


def _found(db: Database, typed: str) -> set[int]:
    return set(contacts.query_ids(db, ContactQuery(search=typed)))


def test_accents_and_case_do_not_matter(db: Database, people: dict[str, int], backend: str) -> None:
    assert _found(db, "jurgen") == {people["jurgen"]}
    assert _found(db, "JÜRG") == {people["jurgen"]}
    assert _found(db, "lefev") == {people["francoise"]}
    assert _found(db, "Lefèvre") == {people["francoise"]}
    assert _found(db, "weißm") == {people["jurgen"]}
    assert _found(db, "ozturk") == {people["ayse"]}
    assert _found(db, "sean") == {people["o_brien"]}
    if backend == "postgresql":  # unaccent spells ß out; SQLite's FTS5 keeps it a letter
        assert _found(db, "weissm") == {people["jurgen"]}


def test_words_match_from_their_start_and_every_word_must_match(
    db: Database, people: dict[str, int]
) -> None:
    assert _found(db, "ürgen") == set()  # a word's start, not any substring
    assert _found(db, "plant man") == {people["jurgen"]}
    assert _found(db, "man plant") == {people["jurgen"]}
    assert _found(db, "jurg lefev") == set()
    assert _found(db, "o'brien") == {people["o_brien"]}


def test_addresses_are_found_by_their_parts(db: Database, people: dict[str, int]) -> None:
    assert _found(db, "gmail") == {people["francoise"]}
    assert _found(db, "fl@gmail") == {people["francoise"]}
    assert _found(db, "fl@gmail.com") == {people["francoise"]}
    assert _found(db, "kessler-werke") == {people["jurgen"]}
    assert _found(db, "werke.de") == {people["jurgen"]}
    assert _found(db, "j.weissmann") == {people["jurgen"]}
    assert _found(db, "crm") == {people["ayse"]}
    assert _found(db, "ozturk.com") == {people["ayse"]}
    assert _found(db, "sean_ob") == {people["o_brien"]}
    assert _found(db, "gmail.de") == set()


@pytest.mark.parametrize(
    "typed",
    ['"unbalanced', "a & b | !c", "foo:*", "(x", "<->", "'", "-", "!!", "\\", "%_", "@"],
)
def test_operators_typed_are_only_text(db: Database, people: dict[str, int], typed: str) -> None:
    found = _found(db, typed)  # never an error
    assert found <= set(people.values())


def test_search_follows_edits_and_deletes(db: Database, people: dict[str, int]) -> None:
    contacts.update_contact(db, people["ayse"], company="Anadolu Tekstil")
    assert _found(db, "anadolu") == {people["ayse"]}
    assert _found(db, "makine") == set()
    contacts.delete_contacts(db, [people["francoise"]])
    assert _found(db, "lefev") == set()


def test_search_follows_undo_and_redo(db: Database, people: dict[str, int]) -> None:
    """Whatever the undo log writes back reaches the search: an edit undone, a delete undone
    (the contact inserted again with its id), an edit redone; moves change nothing found."""
    from app import operations

    operations.move_contacts(db, list(people.values()), "mql")
    assert _found(db, "jurgen") == {people["jurgen"]}
    operations.undo_operation(db)
    operations.edit_contact(db, people["jurgen"], {"company": "Adler Werke"})
    assert _found(db, "adler") == {people["jurgen"]} and _found(db, "kessler gmbh") == set()
    operations.undo_operation(db)
    assert _found(db, "adler") == set() and _found(db, "kessler gmbh") == {people["jurgen"]}
    operations.redo_operation(db)
    assert _found(db, "adler") == {people["jurgen"]}
    operations.delete_contacts(db, [people["francoise"]])
    assert _found(db, "lefev") == set()
    operations.undo_operation(db)
    assert _found(db, "lefev") == {people["francoise"]}


def test_imported_contacts_are_found_until_the_import_is_undone(
    db: Database, people: dict[str, int], tmp_path: Path
) -> None:
    from app.importing.batches import undo_import
    from app.importing.service import import_file

    csv = tmp_path / "fair.csv"
    csv.write_text(
        "Name,E-mail,Company\nZoë Quaxlèy,zq@quaxley.fr,Quaxlèy SAS\n"
        "Jürgen Weißmann,j.weissmann@kessler-werke.de,Kessler Anlagenbau\n",
        encoding="utf-8",
    )
    report = import_file(db, csv, source="Fair", on_duplicate="overwrite")
    assert report.imported == 1 and report.updated == 1 and report.batch_id is not None
    (zoe,) = _found(db, "zoe quaxl")
    assert _found(db, "anlagenbau") == {people["jurgen"]}  # the update of a known contact
    undo_import(db, report.batch_id)
    assert _found(db, "quaxl") == set() and zoe not in _found(db, "zoe")
    assert _found(db, "anlagenbau") == set() and _found(db, "kessler gmbh") == {people["jurgen"]}


def test_a_copy_is_searchable(
    db: Database, people: dict[str, int], empty_db_url: str, backend: str
) -> None:
    """``winnow copy-to`` writes the contacts by COPY on PostgreSQL: the triggers give each
    its search document (migration 0015), as SQLite's give each its full-text row."""
    from app.copy_to import copy_to

    copy_to(db, empty_db_url)
    team = open_database(empty_db_url)
    try:
        assert _found(team, "jurgen") == {people["jurgen"]}
        assert _found(team, "ozturk.com") == {people["ayse"]}
        if backend == "postgresql":
            with team.engine.connect() as conn:
                ids = conn.exec_driver_sql("SELECT contact_id FROM contact_search").scalars()
                assert set(ids) == set(people.values())
    finally:
        team.close()


def test_a_move_leaves_the_search_documents_alone(
    db: Database, people: dict[str, int], backend: str
) -> None:
    """PostgreSQL (migration 0015): moving, undoing and rescoring contacts writes no search
    document (a new row version of one shows as a new ``xmin``); an edit of a searched column
    writes that contact's only."""
    if backend != "postgresql":
        pytest.skip("SQLite's FTS5 triggers watch the searched columns (migration 0009)")
    from app import operations

    def versions() -> dict[int, str]:
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT contact_id, xmin::text FROM contact_search")
            return {int(r[0]): str(r[1]) for r in rows}

    before = versions()
    assert set(before) == set(people.values())
    operations.move_contacts(db, list(people.values()), "mql")
    operations.undo_operation(db)
    operations.redo_operation(db)
    operations.edit_contact(db, people["ayse"], {"notes": "met at the fair"})
    assert versions() == before
    operations.edit_contact(db, people["ayse"], {"title": "Head of buying"})
    after = versions()
    assert {k for k in before if after[k] != before[k]} == {people["ayse"]}
    assert _found(db, "head buying") == {people["ayse"]}


def test_search_uses_the_full_text_index(
    db: Database, people: dict[str, int], backend: str
) -> None:
    """The query the list runs is answered from the index, not by reading every contact."""
    from app.contacts import select_matching

    stmt = select_matching([text("contacts.id")], ContactQuery(search="jurg kessler"), db)
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        if backend == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # 4 rows: a scan would be cheaper
            # nor a walk down a b-tree with the match as a filter (a GIN index is read by a
            # bitmap scan, which stays allowed)
            conn.exec_driver_sql("SET enable_indexscan = off")
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
            assert "ix_contact_search_document" in plan, plan
        else:
            plan = "\n".join(
                str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            )
            assert "VIRTUAL TABLE INDEX" in plan and "contacts_fts" in plan, plan


def test_tsquery_is_a_prefix_phrase_per_typed_word() -> None:
    assert tsquery("Jürg p1@firma") == "(Jürg:*) & (p1 <-> firma:*)"
    assert tsquery("  ") is None
    assert tsquery("&|!") is None


def test_fts_query_asks_for_each_part_the_last_as_a_prefix() -> None:
    """SQLite's index keeps no word positions (migration 0020): no phrase queries there."""
    assert fts_query("Jürg p1@firma") == '"Jürg"* AND "p1" AND "firma"*'
    assert fts_query("sean_ob") == '"sean" AND "ob"*'
    assert fts_query("  ") is None
    assert fts_query("@") == '"@"*'  # punctuation alone matches nothing, as before


def test_an_older_database_with_contacts_is_searchable_after_the_upgrade(
    empty_db_url: str,
) -> None:
    """Migration 0007 indexes the contacts a team already has (on SQLite it changes nothing),
    and 0009 every e-mail address of them (SQLite's full-text table is rebuilt)."""
    from datetime import datetime

    from sqlalchemy import text

    old = open_database(empty_db_url, migrate=False)
    try:
        upgrade_to_head(old.engine, target="0006")
        with old.engine.begin() as con:  # the schema of 0006: no ORM (the models are newer)
            con.execute(
                text(
                    "INSERT INTO stages (key, name, color, position, kind)"
                    " VALUES ('suspect', 'Suspect', '#999999', 0, 'funnel')"
                )
            )
            con.execute(
                text(
                    "INSERT INTO contacts (first_name, last_name, name, sort_name, email,"
                    " email_normalized, other_emails, stage_id, created_at, consent, sales_ready)"
                    " SELECT 'Françoise', 'Lefèvre', 'Françoise Lefèvre', 'francoise lefevre',"
                    " 'fl@gmail.com', 'fl@gmail.com', :others, id, :now, 'unknown', :no"
                    " FROM stages WHERE key = 'suspect'"
                ),
                {
                    "others": '["f.lefevre@atelier-nord.fr"]',
                    "now": datetime(2026, 1, 5),
                    "no": False,
                },
            )
    finally:
        old.close()
    db = open_database(empty_db_url)
    try:
        assert current_revision(db.engine) == head_revision()
        for typed in ("lefev gmail", "atelier-nord"):
            found = contacts.list_rows(db, ContactQuery(search=typed))
            assert [r.name for r in found] == ["Françoise Lefèvre"], typed
    finally:
        db.close()


def test_a_search_counts_what_it_lists(db: Database, people: dict[str, int], backend: str) -> None:
    """The count of a search is the number of contacts it lists, with or without other filters.
    On PostgreSQL a search with no other filter is counted in the search documents alone (one
    per contact): they follow edits, deletes and undo, and the contacts of an unfinished import,
    which every query leaves out, are left out of the count too."""
    from sqlalchemy import event, update

    from app import operations
    from app.timeutil import utcnow
    from db.models import Contact, ImportBatch

    typed = ["jurgen", "gmail", "plant man", "o", "kessler gmbh", "zzz", "a & b", "  "]

    def same() -> None:
        for t in typed:
            for q in (ContactQuery(search=t), ContactQuery(search=t, stage_keys=("suspect",))):
                assert contacts.count(db, q) == len(contacts.query_ids(db, q)), (t, q)

    same()
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert contacts.count(db, ContactQuery(search="jurgen")) == 1
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    counted = [s for s in seen if "count(" in s.lower()]
    assert len(counted) == 1
    # PostgreSQL: the documents alone, no look-up of each match in the contacts' primary key
    reads_contacts = re.search(r"\bcontacts\b", counted[0]) is not None
    assert reads_contacts == (backend != "postgresql"), counted[0]
    operations.move_contacts(db, [people["jurgen"]], "mql")
    operations.delete_contacts(db, [people["francoise"]])
    same()
    assert contacts.count(db, ContactQuery(search="gmail")) == 0
    operations.undo_operation(db)
    same()
    assert contacts.count(db, ContactQuery(search="gmail")) == 1
    with db.session() as s:  # an import still being written: its contacts are not shown yet
        batch = ImportBatch(created_at=utcnow(), state="running")
        s.add(batch)
        s.flush()
        s.execute(
            update(Contact).where(Contact.id == people["ayse"]).values(import_batch_id=batch.id)
        )
    assert contacts.count(db, ContactQuery(search="ozturk")) == 0
    same()


# --- PostgreSQL: the two forms of a search's membership test (app.search) ------------------


@contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    """The SQL the engine runs within the block."""
    from sqlalchemy import event

    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _broad_and_narrow(db: Database) -> tuple[str, str]:
    """A prefix most demo contacts match, and one very few do (a contact's whole name)."""
    everyone = contacts.count(db, ContactQuery())
    with db.session() as s:
        name = s.execute(text("SELECT name FROM contacts ORDER BY id LIMIT 1")).scalar_one()
    broad, narrow = "a", str(name)
    assert contacts.count(db, ContactQuery(search=broad)) > everyone // 4
    assert 0 < contacts.count(db, ContactQuery(search=narrow)) < everyone // 20
    return broad, narrow


def test_both_forms_read_the_same_pages_on_postgresql(demo_db: Database, backend: str) -> None:
    """A search's matches handed over as an array (SORT) or written as ``IN (subquery)``
    (WALK) give the same pages, for a broad prefix and a narrow one, in sorts with and
    without empty values, page after page; and each form is the SQL it says (a sort that may
    be empty, which PostgreSQL cannot walk, keeps the array; sorted by date added, the search
    documents are read alone, their matches gathered and sorted or their date index walked:
    tests/app/test_search_documents.py)."""
    if backend != "postgresql":
        pytest.skip("the array and IN forms are PostgreSQL's (app.search.search_condition)")
    from app import paging, search

    for typed in _broad_and_narrow(demo_db):
        for sort, descending in (("created", True), ("name", False), ("company", False)):
            q = ContactQuery(search=typed, sort=sort, descending=descending)
            everything = [k.id for k in paging.keys_between(demo_db, q)]
            pages = {}
            for strategy in (search.SORT, search.WALK):
                with _statements(demo_db) as seen, search.forced(strategy):
                    first = paging.keys_between(demo_db, q, limit=7)
                    second = paging.keys_between(demo_db, q, after=first[-1], limit=7)
                    ids = contacts.query_ids(demo_db, q, 0, 14)
                pages[strategy] = (first, second, ids)
                searched = [s for s in seen if "contact_search" in s]
                assert searched, seen
                arrays = ["array(" in s.lower() for s in searched]
                as_array = strategy == search.SORT or sort == "company"
                if sort == "created":  # the documents alone (app.search_documents)
                    gathered = ["MATERIALIZED" in s for s in searched]
                    assert not any(arrays), searched
                    assert all(gathered) if strategy == search.SORT else not any(gathered)
                else:
                    assert all(arrays) if as_array else not any(arrays), searched
                assert [k.id for k in first + second] == ids == everything[:14], (typed, sort)
            assert pages[search.SORT] == pages[search.WALK], (typed, sort)


def test_the_form_follows_the_estimate_on_postgresql(demo_db: Database, backend: str) -> None:
    """The page of a broad search is read as ``IN (subquery)`` and a narrow one's as an array,
    as the planner's estimate of the matches and the cost model choose; with a filter the sort
    index cannot walk at the matches' rate (a source), or in a sort that may be empty (score:
    an ORDER BY with NULLS, which PostgreSQL cannot walk an index for), always as an array."""
    if backend != "postgresql":
        pytest.skip("the array and IN forms are PostgreSQL's (app.search.search_condition)")
    from app import paging, search

    assert search.choose(20_000, 100_000, 200, dialect="postgresql") == search.WALK
    assert search.choose(2_000, 100_000, 200, dialect="postgresql") == search.SORT
    assert search.choose(20_000, 100_000, None, dialect="postgresql") == search.SORT
    with demo_db.engine.connect() as conn:  # the statistics autovacuum would gather
        conn.exec_driver_sql("ANALYZE contact_search")
        conn.commit()
    chosen = set()
    for typed in _broad_and_narrow(demo_db):
        matches, size = search.estimate(demo_db, typed)
        actual = contacts.count(demo_db, ContactQuery(search=typed))
        assert abs(matches - actual) <= actual // 2 + 5, (typed, matches, actual)
        expected = search.choose(matches, size, 10, dialect="postgresql")
        chosen.add(expected)
        for q in (  # (by date added the documents are read alone: test_search_documents)
            ContactQuery(search=typed, sort="name", descending=False),
            ContactQuery(search=typed, source="Web"),
            ContactQuery(search=typed, sort="score"),
        ):
            with _statements(demo_db) as seen:
                paging.keys_between(demo_db, q, limit=10)
            searched = [s for s in seen if "contact_search" in s and "EXPLAIN" not in s]
            assert searched, seen
            as_array = q.source is not None or q.sort == "score" or expected == search.SORT
            assert all(("array(" in t.lower()) == as_array for t in searched), (typed, q, searched)
    assert chosen == {search.SORT, search.WALK}

"""The detail panel's one read: the same facts as the separate reads it replaces, in one
transaction with at most three statements."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from sqlalchemy import event, select, update

from app import activities, moves, qualification, scoring
from app.contact_view import ContactView, load_contact_view, show_qualification
from app.contacts import get_contact
from app.errors import UnknownContact
from app.golook.checks import save_answers
from app.golook.dns_check import DomainAnswer
from app.golook.evidence import golook_for_contacts
from app.stages import list_stages
from app.timeutil import utcnow
from db.engine import Database
from db.models import Contact, ImportBatch


@contextmanager
def counting(db: Database) -> Iterator[dict[str, list[str]]]:
    """Statements and transactions this thread runs while the block runs."""
    seen: dict[str, list[str]] = {"statements": [], "transactions": []}
    me = threading.current_thread()

    def statement(_c: object, _cur: object, sql: str, *_a: object) -> None:
        if threading.current_thread() is me:
            key = "transactions" if sql.strip().upper().startswith("BEGIN") else "statements"
            seen[key].append(sql)

    event.listen(db.engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)


@pytest.fixture
def checked_db(demo_db: Database) -> Database:
    """The demo with cached DNS answers for some of its domains and BANT answers."""
    with demo_db.session() as s:
        domains = sorted(
            {
                d
                for d in s.scalars(select(Contact.domain).where(Contact.domain_class == "branded"))
                if d is not None
            }
        )
    save_answers(
        demo_db,
        [
            DomainAnswer(d, "ok", (f"mx1.{d}", f"mx2.{d}"), "microsoft", utcnow())
            for d in domains[::2]
        ],
    )
    qualification.set_bant(demo_db, 5, {"budget": "yes", "need": "no"}, {"need": "has one"})
    activities.log_activity(demo_db, 5, "call", note="left a message")
    return demo_db


def test_the_view_says_what_the_separate_reads_say(checked_db: Database) -> None:
    db = checked_db
    with db.session() as s:
        ids = list(s.scalars(select(Contact.id).order_by(Contact.id)))
    assert len(ids) == 300
    with_dns = 0
    for cid in ids[::3]:
        view = load_contact_view(db, cid)
        assert view.detail == get_contact(db, cid)
        assert list(view.history) == moves.history(db, cid)
        assert list(view.activities) == activities.list_activities(db, cid)
        assert view.bant == qualification.get_bant(db, cid)
        assert view.score == scoring.score_explanation(db, cid)
        assert view.golook == golook_for_contacts(db, [cid])[0]
        names = {st.key: st.name for st in list_stages(db)}
        for h in view.history:
            assert view.stage_name(h.to_key) == names[h.to_key]
        with_dns += view.golook.dns is not None
    assert with_dns > 5  # the cached answers were found through the stored domain


def test_one_transaction_three_statements(checked_db: Database) -> None:
    with counting(checked_db) as seen:
        view = load_contact_view(checked_db, 5)
    assert isinstance(view, ContactView)
    assert view.bant.answers()["budget"] == "yes"
    assert [a.note for a in view.activities][-1] == "left a message"
    assert len(seen["transactions"]) == 1
    assert len(seen["statements"]) <= 3, seen["statements"]
    assert all(sql.lstrip().upper().startswith("SELECT") for sql in seen["statements"])


def test_unknown_and_unfinished_contacts_are_not_shown(checked_db: Database) -> None:
    db = checked_db
    with pytest.raises(UnknownContact):
        load_contact_view(db, 999_999)
    with db.session() as s:
        batch = ImportBatch(created_at=utcnow(), state="running")
        s.add(batch)
        s.flush()
        s.execute(update(Contact).where(Contact.id == 7).values(import_batch_id=batch.id))
    with counting(db) as seen, pytest.raises(UnknownContact):
        load_contact_view(db, 7)
    assert len(seen["statements"]) == 1
    assert load_contact_view(db, 8).id == 8


def test_a_stale_stored_domain_still_finds_the_cached_answer(checked_db: Database) -> None:
    db = checked_db
    view = load_contact_view(db, 5)
    domain = view.golook.address.registrable_domain
    assert domain
    save_answers(db, [DomainAnswer(domain, "ok", ("mx.example",), "google", utcnow())])
    with db.session() as s:  # as an older version may have left it
        s.execute(update(Contact).where(Contact.id == 5).values(domain="old.example"))
    again = load_contact_view(db, 5)
    assert again.golook.dns is not None and again.golook.dns.mail_host == "google"
    assert again.golook == replace(golook_for_contacts(db, [5])[0])


def test_show_json_keys(checked_db: Database) -> None:
    data = show_qualification(checked_db, 5)
    assert data["bant"]["budget"] == "yes"
    assert data["bant_notes"] == {"need": "has one"}
    assert set(data) >= {"score", "score_breakdown", "qualified", "consent", "follow_up"}


def test_show_and_stats_keys_do_not_depend_on_what_ran_first(checked_db: Database) -> None:
    """``show --json`` / ``stats --json`` keys: the command line's, and those of a process that
    never built the command line parser, are the same."""
    import json
    import subprocess
    import sys

    url = checked_db.url
    code = (
        "import argparse, json, sys\n"
        "from db.engine import open_database\n"
        "from app.commands import core\n"
        "db = open_database(sys.argv[1])\n"
        "args = argparse.Namespace(since=None, until=None, source=None)\n"
        "data = core.contact_json(db, 5)\n"
        "stats = {}\n"
        "for extend in core.STATS_EXTENSIONS:\n"
        "    stats.update(extend(db, args))\n"
        "print(json.dumps([sorted(data), sorted(stats)]))\n"
    )
    bare = subprocess.run(
        [sys.executable, "-c", code, url], capture_output=True, text=True, check=True
    )
    show_keys, stats_keys = json.loads(bare.stdout)
    cli = [sys.executable, "-m", "app", "--db", url]
    shown = subprocess.run([*cli, "show", "5", "--json"], capture_output=True, text=True)
    stats = subprocess.run([*cli, "stats", "--json"], capture_output=True, text=True)
    assert shown.returncode == 0 and stats.returncode == 0, shown.stderr + stats.stderr
    assert sorted(json.loads(shown.stdout)) == show_keys
    assert sorted(json.loads(stats.stdout)) == sorted({"total", "stages", *stats_keys})
    assert {"golook", "bant", "score_breakdown", "follow_up"} <= set(show_keys)

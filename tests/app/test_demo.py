"""The demo data set: realistic, deterministic, shaped like a real funnel."""

from __future__ import annotations

import itertools
from pathlib import Path

from app import contacts, moves, stages
from app.contacts import ContactQuery
from app.demo import generate_demo
from db.engine import Database, open_database


def test_same_seed_gives_the_same_people(tmp_path: Path) -> None:
    names = []
    for i in range(2):
        db = open_database(tmp_path / f"d{i}.sqlite")
        generate_demo(db, 150, seed=42)
        names.append(
            [
                (r.name, r.email, r.company, r.stage_key)
                for r in contacts.list_rows(db, ContactQuery(sort="name", descending=False))
            ]
        )
        db.close()
    assert names[0] == names[1]


def test_demo_looks_like_a_real_funnel(demo_db: Database) -> None:
    counts = stages.stage_counts(demo_db)
    assert sum(counts.values()) == 300
    assert counts["suspect"] + counts["inquiry"] > 0.5 * 300
    assert 0 < counts["customer"] < counts["sql"] + counts["opportunity"] + counts["customer"]
    assert counts["nurture"] > 0 and counts["disqualified"] > 0
    rows = contacts.list_rows(demo_db, ContactQuery())
    assert any(not r.name.isascii() for r in rows)
    classes = {r.domain_class for r in rows}
    assert {"branded", "invalid", None} <= classes
    assert len({r.source for r in rows}) >= 5
    emails = [r.email or "" for r in rows]
    assert any(
        e.endswith("@gmail.com") or e.endswith("@web.de") or e.endswith("@gmx.de") for e in emails
    )
    assert any(
        "mailinator" in e or "guerrillamail" in e or "trashmail" in e or "10minutemail" in e
        for e in emails
    )


def test_demo_has_history_and_activities(demo_db: Database) -> None:
    from app.activities import list_activities

    rows = contacts.list_rows(demo_db, ContactQuery(stage_keys=("customer",)))
    assert rows
    history = moves.history(demo_db, rows[0].id)
    assert history[-1].to_key == "customer"
    assert len(history) >= 3
    assert all(a.at <= b.at for a, b in itertools.pairwise(history))
    assert any(list_activities(demo_db, r.id) for r in rows)
    disq = contacts.list_rows(demo_db, ContactQuery(stage_keys=("disqualified",)))
    assert all(moves.history(demo_db, r.id)[-1].reason for r in disq)


def test_the_demo_draws_as_random_does() -> None:
    """The demo's quick ``choice`` and ``randint`` draw what ``random.Random``'s would, from
    the same sequence (the same seed gives the same people as before)."""
    import random

    from app.demo import _pickers

    ours, theirs = random.Random(5), random.Random(5)
    choice, randint = _pickers(ours)
    for i in range(1, 3000):
        population = list(range(i % 37 + 1))
        assert choice(population) == theirs.choice(population)
        assert randint(-5, i) == theirs.randint(-5, i)
        assert ours.random() == theirs.random()


def test_a_company_domain_is_classed_by_its_name() -> None:
    """``company_domain_class``: every demo company domain ``prefix-part{digits}.tld`` gets
    the class its digit-free form has, as ``quick_domain_class`` gives it for each domain —
    the digits (up to a 100,000-contact country's 2,500 and beyond) touch no list entry,
    public-suffix rule or free-mail typo, for every prefix, part and top-level domain."""
    from app.demo import COMPANY_PREFIXES, PEOPLE, _ascii, company_domain_class
    from app.golook import classify

    digits = "0123456789"
    names = {
        (f"{_ascii(prefix)}-{_ascii(part)}", people[5])
        for people in PEOPLE.values()
        for part in people[4]
        for prefix in COMPANY_PREFIXES
    }
    listed = classify._free() | classify._disposable()
    rules = classify._psl()._publicsuffix
    for name, tld in names:
        assert "--" not in name and name.replace("-", "").isalnum() and name.isascii()
        assert tld not in classify._TLD_TYPOS
        # a typo of a free-mail name is at most two letters longer than it
        for target in classify._TYPO_TARGETS:
            target_name, _, target_suffix = target.partition(".")
            if target_suffix == tld:
                assert len(name) - len(target_name) > (2 if len(target_name) >= 9 else 1)
        # no list entry or public-suffix rule names such a domain (or every one under the tld)
        for entry in (*listed, *(r.lstrip("!") for r in rules)):
            if entry.endswith(f".{tld}"):
                head = entry[: -len(tld) - 1]
                assert head != "*" and head.rstrip(digits) != name, entry
        domain_class = company_domain_class(name, tld)
        assert domain_class == "branded"
        for i in ("", 10, 99, 100, 999, 2499, 24999, 99999):
            domain = f"{name}{i}.{tld}"
            assert classify.quick_domain_class(f"anna.weber@{domain}") == (domain, domain_class)


def test_the_demo_contacts_domains_are_classed_as_each_address_is(demo_db: Database) -> None:
    from sqlalchemy import text

    from app.demo import _PLAIN_ADDRESS
    from app.golook.classify import quick_domain_class

    with demo_db.session() as s:
        rows = s.execute(text("SELECT email, domain, domain_class FROM contacts")).all()
    plain = [r for r in rows if r.email and _PLAIN_ADDRESS.fullmatch(r.email)]
    assert len(plain) > 200
    for email, domain, domain_class in plain:
        assert (domain, domain_class) == quick_domain_class(email), email

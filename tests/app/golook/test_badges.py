"""The list's address badge and the detail's verdict come from one derivation: walk a set of
evidences (every class, every DNS outcome, a user's override, a lying resolver's answers) and
check that both say the same."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import contacts
from app.contacts import ContactQuery, create_contact
from app.golook.badges import ADDRESS_BADGES, address_badge
from app.golook.checks import save_answers
from app.golook.derived import set_domain_override
from app.golook.dns_check import DomainAnswer
from app.golook.evidence import CLASS_LABELS, golook_for_contacts
from app.golook.trust import untrusted_answer
from app.timeutil import utcnow
from db.engine import Database

EMAILS = [
    "anna@ms-firm.example",  # ok, Microsoft 365
    "bob@gone-firm.example",  # nxdomain (a believed fact)
    "cem@webonly-firm.example",  # no MX, mail to the address
    "dora@nullmx-firm.example",  # null MX
    "eva@unchecked-firm.example",  # never checked
    "info@ms-firm.example",  # role address
    "fred@gmail.com",  # free-mail, the cache says "does not exist" (a lie)
    "gina@gmial.com",  # a typo of gmail.com that does not exist
    "hans@mailinator.com",  # throw-away
    "ines@overridden-firm.example",  # the user says: free-mail
    "jan@lied-about.example",  # the batch said: DNS not trustworthy here
    "kai@@broken.example",  # invalid
    None,  # no address
]


def _lead(verdict: str) -> str:
    """The verdict's first part without its parenthesis: what the badge must say."""
    return verdict.split(" · ", 1)[0].split(" (", 1)[0]


@pytest.fixture
def evidences(db: Database) -> dict[str, DomainAnswer]:
    then = utcnow() - timedelta(days=1)
    save_answers(
        db,
        [
            DomainAnswer("ms-firm.example", "ok", ("x.mail.protection.outlook.com",), "microsoft"),
            DomainAnswer("gone-firm.example", "nxdomain", (), "none", then),
            DomainAnswer("webonly-firm.example", "no_mx", ("webonly-firm.example",), "self"),
            DomainAnswer("nullmx-firm.example", "null_mx", (), "none", then),
            DomainAnswer("gmail.com", "nxdomain", (), "none", then),
            DomainAnswer("gmial.com", "nxdomain", (), "none", then),
            DomainAnswer("mailinator.com", "ok", ("mail.mailinator.com",), "self", then),
        ],
    )
    for i, email in enumerate(EMAILS):
        create_contact(db, name=f"Person {i}", email=email)
    set_domain_override(db, "overridden-firm.example", "free")
    return {"lied-about.example": untrusted_answer("lied-about.example")}


def test_badge_and_verdict_agree_for_every_evidence(
    db: Database, evidences: dict[str, DomainAnswer]
) -> None:
    rows = contacts.list_rows(db, ContactQuery())
    assert len(rows) == len(EMAILS)
    found = {g.id: g for g in golook_for_contacts(db, [r.id for r in rows], evidences)}
    seen_badges = set()
    for row in rows:
        g = found[row.id]
        badge = address_badge(row.domain_class)  # what the list, board and triage card show
        seen_badges.add(badge.label)
        assert _lead(g.verdict) == badge.label, (row.email, g.verdict)
        assert address_badge(g.address.domain_class) == badge
        if g.address.domain_class is not None:  # the detail's "Kind" field
            assert CLASS_LABELS[g.address.domain_class] == badge.label
    assert seen_badges == {b.label for b in ADDRESS_BADGES.values()}


def test_no_verdict_says_a_free_mail_provider_does_not_exist(
    db: Database, evidences: dict[str, DomainAnswer]
) -> None:
    ids = [r.id for r in contacts.list_rows(db, ContactQuery())]
    verdicts = {g.email: g.verdict for g in golook_for_contacts(db, ids, evidences)}
    assert "does not exist" not in verdicts["fred@gmail.com"]
    assert _lead(verdicts["fred@gmail.com"]) == "Free-mail"
    # a typo of one is no provider: that it does not exist is worth saying
    assert "domain does not exist" in verdicts["gina@gmial.com"]
    assert "domain does not exist" in verdicts["bob@gone-firm.example"]
    assert "DNS not trustworthy here" in verdicts["jan@lied-about.example"]


def test_an_unknown_class_has_the_no_address_badge() -> None:
    assert address_badge("something-new") == ADDRESS_BADGES[None]

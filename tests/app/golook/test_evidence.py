"""The go-look evidence of a contact and its one-line verdict."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from app.commands.core import contact_json
from app.contacts import create_contact
from app.golook.checks import check_contacts
from app.golook.dns_check import DnsConfig
from app.golook.evidence import golook_for_contact, golook_for_contacts
from app.golook.persona_store import (
    delete_persona,
    ensure_default_personas,
    list_personas,
    save_persona,
)
from app.golook.personas import Persona, PersonaCriteria
from db.engine import Database
from tests.app.golook.conftest import config_for
from tests.dnsserver import LoopbackDnsServer, SilentUdpPort

BUYER = Persona(
    None,
    "Plant buyer",
    PersonaCriteria(
        title_include=("buyer",),
        seniority=("specialist",),
        company_size_min=20,
        branded_required=True,
    ),
)


@pytest.fixture(autouse=True)
def no_personas(db: Database) -> None:
    """Verdicts here are about the address; the default personas are removed."""
    ensure_default_personas(db)
    for p in list_personas(db):
        assert p.id is not None
        delete_persona(db, p.id)


@pytest.fixture
def buyer(db: Database) -> None:
    save_persona(db, BUYER)


def test_weak_fits_are_called_partial(db: Database, buyer: None) -> None:
    cid = create_contact(db, name="Weak", email="w@acme-widgets.example", title="Buyer")
    assert golook_for_contact(db, cid).verdict.endswith('fits "Plant buyer" 3/4')
    update = create_contact(
        db, name="Weaker", email="w@gmail.com", title="Gardener", company_size=50
    )
    assert golook_for_contact(db, update).verdict.endswith('partly fits "Plant buyer" 1/4')


def test_branded_contact_verdict(db: Database, dns_config: DnsConfig, buyer: None) -> None:
    cid = create_contact(
        db,
        name="Anna Weiß",
        email="anna@acme-widgets.example",
        title="Senior buyer",
        company="Acme Widgets GmbH",
        city="München",
    )
    check_contacts(db, [cid], dns_config)
    g = golook_for_contact(db, cid)
    # company size is unknown: 3 of 4
    assert g.verdict == (
        'Branded · acme-widgets.example · mail on Microsoft 365 · fits "Plant buyer" 3/4'
    )
    assert g.website == "https://acme-widgets.example"
    assert not g.domain_mismatch
    assert g.search_url is not None
    query = parse_qs(urlsplit(g.search_url).query)["q"][0]
    assert query == "Acme Widgets GmbH München"
    data = g.to_json()
    assert data["mx"] == ["acme-widgets-example.mail.protection.outlook.com"]
    assert data["mail_host"] == "microsoft"
    assert data["checked_at"] is not None
    assert [r["outcome"] for r in data["persona"]["reasons"]] == ["pass", "pass", "unknown", "pass"]


def test_free_mail_verdict(db: Database, dns_config: DnsConfig) -> None:
    cid = create_contact(db, name="Bob", email="bob@gmail.com")
    check_contacts(db, [cid], dns_config)
    g = golook_for_contact(db, cid)
    assert g.verdict.startswith("Free-mail (gmail.com) · no company domain to look at")
    assert g.website is None and g.search_url is None


def test_typo_and_role_show_in_the_verdict(db: Database) -> None:
    typo = create_contact(db, name="T", email="t@gmial.com")
    role = create_contact(db, name="Info", email="info@acme-widgets.example")
    assert "probably a typo of gmail.com" in golook_for_contact(db, typo).verdict
    assert "role address (info@)" in golook_for_contact(db, role).verdict


def test_website_mismatch_is_flagged(db: Database) -> None:
    cid = create_contact(
        db, name="M", email="m@acme-widgets.example", website="www.other-company.example/about"
    )
    g = golook_for_contact(db, cid)
    assert g.website == "https://www.other-company.example/about"
    assert g.website_domain == "other-company.example"
    assert g.domain_mismatch
    assert "website is on other-company.example" in g.verdict
    same = create_contact(
        db, name="S", email="s@acme-widgets.example", website="https://shop.acme-widgets.example"
    )
    assert not golook_for_contact(db, same).domain_mismatch


@pytest.mark.parametrize(
    ("domain", "words"),
    [
        ("nullmx.example", "domain accepts no mail (null MX)"),
        ("missing.example", "domain does not exist"),
        ("webonly.example", "no MX record; mail goes to the domain's own server"),
        ("bare.example", "no mail server (no MX, no address)"),
        ("slow.example", "mail host unknown"),
        ("servfail.example", "mail host unknown"),
    ],
)
def test_mail_words(db: Database, dns_config: DnsConfig, domain: str, words: str) -> None:
    cid = create_contact(db, name="X", email=f"x@{domain}")
    result = check_contacts(db, [cid], dns_config)
    [g] = golook_for_contacts(db, [cid], result.domains.answers)
    assert g.verdict == f"Branded · {domain} · {words}"


def test_dns_down_or_offline_is_never_no_mail(db: Database, silent_port: SilentUdpPort) -> None:
    cid = create_contact(db, name="X", email="x@acme-widgets.example")
    result = check_contacts(db, [cid], config_for(silent_port.address))
    [g] = golook_for_contacts(db, [cid], result.domains.answers)
    assert g.to_json()["dns_status"] == "timeout"
    assert "mail host unknown" in g.verdict and "no mail" not in g.verdict
    assert g.to_json()["checked_at"] is None
    offline = check_contacts(db, [cid], DnsConfig(offline=True))
    [g] = golook_for_contacts(db, [cid], offline.domains.answers)
    assert g.to_json()["dns_status"] == "offline"
    assert "mail host unknown" in g.verdict


def test_unchecked_and_missing_addresses(db: Database) -> None:
    cid = create_contact(db, name="N", email="n@acme-widgets.example")
    assert golook_for_contact(db, cid).verdict == (
        "Branded · acme-widgets.example · mail host not checked yet"
    )
    nobody = create_contact(db, name="No Mail", company="Acme", website="acme.example")
    g = golook_for_contact(db, nobody)
    assert g.verdict == "No e-mail · website acme.example"
    assert g.to_json()["domain_class"] is None


def test_show_json_has_the_cached_evidence(
    db: Database, dns_server: LoopbackDnsServer, dns_config: DnsConfig
) -> None:
    cid = create_contact(db, name="Anna", email="anna@gwork.example")
    check_contacts(db, [cid], dns_config)
    dns_server.reset_counts()
    data = contact_json(db, cid)
    assert dns_server.query_count() == 0  # show never asks DNS
    assert data["golook"]["mail_host"] == "google"
    assert data["golook"]["verdict"].startswith("Branded · gwork.example · mail on Google")

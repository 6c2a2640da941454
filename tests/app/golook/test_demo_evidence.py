"""The demo ships with go-look evidence: a new user sees verdicts at once, no network."""

from __future__ import annotations

from collections import Counter

from app import contacts
from app.contacts import ContactQuery
from app.demo import generate_demo
from app.golook.checks import cached_answers, check_domains, contact_domains, save_answers
from app.golook.dns_check import DnsConfig, DomainAnswer
from app.golook.evidence import golook_for_contacts
from app.golook.mailhost import mail_host_of
from app.timeutil import utcnow
from db.engine import Database
from tests.dnsserver import LoopbackDnsServer


def test_every_demo_domain_has_cached_evidence(demo_db: Database) -> None:
    domains = contact_domains(demo_db, None)
    cached = cached_answers(demo_db, domains)
    assert sorted(cached) == domains
    ids = [r.id for r in contacts.list_rows(demo_db, ContactQuery())]
    verdicts = [g.verdict for g in golook_for_contacts(demo_db, ids)]
    assert not [v for v in verdicts if "not checked yet" in v]
    assert any(" · mail on Microsoft 365" in v for v in verdicts)  # the headline verdict


def test_the_demo_has_mail_hosts_of_every_kind(demo_db: Database) -> None:
    ids = [r.id for r in contacts.list_rows(demo_db, ContactQuery())]
    by_class: dict[str | None, set[str]] = {}
    for g in golook_for_contacts(demo_db, ids):
        a = g.address
        if a.registrable_domain and a.domain_class not in (None, "invalid"):
            by_class.setdefault(a.domain_class, set()).add(a.registrable_domain)
    cached = cached_answers(demo_db, set().union(*by_class.values()))
    hosts = Counter(cached[d].mail_host for d in by_class["branded"])
    assert {"microsoft", "google", "self"} <= set(hosts)
    others = set(hosts) - {"microsoft", "google", "self", "none"}
    assert len(others) >= 3, hosts  # IONOS, OVH, Zoho, Mimecast…
    assert hosts.most_common(1)[0][0] == "microsoft"
    statuses = Counter(cached[d].dns_status for d in by_class["branded"])
    assert statuses["no_mx"] >= 1
    assert any(cached[d].mail_host == "none" for d in by_class["branded"])  # one without MX
    for kind in ("free", "disposable"):
        assert by_class[kind]
        assert {cached[d].dns_status for d in by_class[kind]} == {"ok"}
    for answer in cached.values():  # what the checker itself would have said of these hosts
        if answer.dns_status == "ok":
            assert answer.mail_host == mail_host_of(answer.domain, answer.mx), answer
        assert answer.checked_at is not None and answer.checked_at <= utcnow()


def test_the_evidence_is_fresh_so_check_all_asks_nothing(demo_db: Database) -> None:
    with LoopbackDnsServer({}) as server:
        host, port = server.address.split(":")
        config = DnsConfig(nameserver=host, port=int(port), timeout=0.4)
        batch = check_domains(demo_db, contact_domains(demo_db, None), config)
        assert server.query_count() == 0
    assert batch.queried == 0 and batch.from_cache == len(batch.answers)


def test_a_demo_added_later_never_replaces_a_real_answer(db: Database) -> None:
    real = DomainAnswer("gmail.com", "ok", ("real-mx.example",), "other", utcnow())
    save_answers(db, [real])
    generate_demo(db, 300, seed=7)
    assert cached_answers(db, ["gmail.com"])["gmail.com"].mx == ("real-mx.example",)
    assert cached_answers(db, ["yahoo.com"])["yahoo.com"].mail_host == "yahoo"

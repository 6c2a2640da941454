"""A DNS server that lies ("no such domain" for everything), one that never answers, one that is
good and then lies or dies: the verdicts, the cache, and the canary questions. All real servers
on loopback (``tests/dnsserver.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from app.contacts import create_contact
from app.golook.checks import cached_answers, check_contacts, check_domains, save_answers
from app.golook.dns_check import DnsConfig, DomainAnswer
from app.golook.evidence import golook_for_contacts
from app.golook.trust import CANARY_DOMAINS, UNTRUSTED_DETAIL, forget_judgements
from app.timeutil import utcnow
from db.engine import Database
from tests.app.golook.conftest import ZONE, config_for
from tests.dnsserver import Entry, LoopbackDnsServer, SilentUdpPort


@pytest.fixture(autouse=True)
def _judged_afresh() -> Iterator[None]:
    """A port number may come back for another server: no judgement outlives its test."""
    forget_judgements()
    yield
    forget_judgements()


@pytest.fixture
def liar() -> Iterator[LoopbackDnsServer]:
    """A captive portal's DNS: NXDOMAIN for every name, gmail.com included."""
    with LoopbackDnsServer({}) as server:
        yield server


def _canary_questions(server: LoopbackDnsServer) -> dict[str, int]:
    return {d: server.query_count(d, "MX") for d in CANARY_DOMAINS}


def _stored(db: Database, domains: list[str]) -> dict[str, tuple[str, object]]:
    return {d: (a.dns_status, a.checked_at) for d, a in cached_answers(db, domains).items()}


def test_a_lying_resolver_gives_unknown_and_caches_nothing(
    db: Database, liar: LoopbackDnsServer
) -> None:
    domains = ["acme-widgets.example", "missing.example", "gmail.com"]
    batch = check_domains(db, domains, config_for(liar.address))
    assert batch.untrusted and batch.distrusted == 3 and batch.failed == 0
    for d in domains:
        answer = batch.answers[d]
        assert (answer.dns_status, answer.detail) == ("untrusted", UNTRUSTED_DETAIL), d
        assert answer.unknown and not answer.cacheable
    assert cached_answers(db, domains) == {}
    # each canary asked once (gmail.com also once as a domain of the batch)
    assert _canary_questions(liar) == {"gmail.com": 2, "outlook.com": 1, "yahoo.com": 1}


def test_the_judgement_is_kept_for_minutes_not_asked_per_domain_or_batch(
    db: Database, liar: LoopbackDnsServer
) -> None:
    config = config_for(liar.address)
    check_domains(db, [f"d{i}.example" for i in range(40)], config)
    check_domains(db, ["acme-widgets.example"], config, refresh=True)
    check_domains(db, ["missing.example"], config, refresh=True)
    assert _canary_questions(liar) == {"gmail.com": 1, "outlook.com": 1, "yahoo.com": 1}


def test_the_verdicts_say_unknown_never_does_not_exist(
    db: Database, liar: LoopbackDnsServer
) -> None:
    branded = create_contact(db, name="Anna", email="anna@acme-widgets.example")
    free = create_contact(db, name="Ole", email="ole@gmail.com")
    result = check_contacts(db, [branded, free], config_for(liar.address))
    b, f = golook_for_contacts(db, [branded, free], result.domains.answers)
    assert b.verdict.startswith(
        f"Branded · acme-widgets.example · mail host unknown ({UNTRUSTED_DETAIL})"
    )
    assert f.verdict.startswith("Free-mail (gmail.com) · no company domain to look at")
    for g in (b, f):
        assert "does not exist" not in g.verdict
        assert g.to_json()["dns_status"] == "untrusted"
        assert g.to_json()["dns_detail"] == UNTRUSTED_DETAIL
        assert g.to_json()["checked_at"] is None
    # read back from the cache alone: nothing was kept, so nothing is claimed
    b2, f2 = golook_for_contacts(db, [branded, free])
    assert "mail host not checked yet" in b2.verdict and "does not exist" not in f2.verdict


def test_earlier_facts_stay_when_the_resolver_lies(db: Database, liar: LoopbackDnsServer) -> None:
    then = utcnow() - timedelta(days=40)  # stale: asked again
    save_answers(
        db,
        [
            DomainAnswer("acme-widgets.example", "ok", ("mx.acme.example",), "self", then),
            DomainAnswer("missing.example", "nxdomain", (), "none", then),
        ],
    )
    before = _stored(db, ["acme-widgets.example", "missing.example"])
    batch = check_domains(
        db, ["acme-widgets.example", "missing.example"], config_for(liar.address), refresh=True
    )
    assert batch.untrusted
    shown = batch.answers["acme-widgets.example"]
    assert (shown.dns_status, shown.mx) == ("ok", ("mx.acme.example",))
    assert shown.detail is not None and UNTRUSTED_DETAIL in shown.detail
    assert batch.answers["missing.example"].dns_status == "nxdomain"  # a fact from before
    assert _stored(db, ["acme-widgets.example", "missing.example"]) == before


def test_a_good_resolver_is_believed_and_asked_no_canary_when_all_answers_are_good(
    db: Database, dns_server: LoopbackDnsServer, dns_config: DnsConfig
) -> None:
    check_domains(db, ["acme-widgets.example", "gwork.example"], dns_config)
    assert _canary_questions(dns_server) == {"gmail.com": 0, "outlook.com": 0, "yahoo.com": 0}
    batch = check_domains(db, ["missing.example", "bare.example", "nullmx.example"], dns_config)
    assert not batch.untrusted
    assert {d: a.dns_status for d, a in cached_answers(db, ["missing.example"]).items()} == {
        "missing.example": "nxdomain"
    }
    assert cached_answers(db, ["bare.example"])["bare.example"].dns_status == "no_mx"
    assert cached_answers(db, ["nullmx.example"])["nullmx.example"].dns_status == "null_mx"
    # gmail.com answered: the zone's resolver is trusted (outlook.com and yahoo.com are unknown
    # to it, which does not matter once one canary has mail)
    assert dns_server.query_count("gmail.com", "MX") == 1


def test_a_resolver_that_times_out_gives_unknown_and_asks_no_canary(db: Database) -> None:
    good = DomainAnswer(
        "acme-widgets.example", "ok", ("mx.acme.example",), "self", utcnow() - timedelta(days=1)
    )
    save_answers(db, [good])
    domains = [f"t{i}.example" for i in range(40)] + ["acme-widgets.example"]
    with LoopbackDnsServer({d: Entry(silent=True) for d in domains}) as server:
        config = replace(config_for(server.address), parallel=4, timeout=0.2)
        batch = check_domains(db, domains, config, refresh=True)
        assert _canary_questions(server) == {"gmail.com": 0, "outlook.com": 0, "yahoo.com": 0}
    assert batch.gave_up and not batch.untrusted
    assert batch.answers["t0.example"].dns_status == "timeout"
    assert batch.answers["acme-widgets.example"].dns_status == "ok"  # the fact from before
    assert set(cached_answers(db, domains)) == {"acme-widgets.example"}


def test_good_then_dead_keeps_the_good_answers(db: Database) -> None:
    domains = ["acme-widgets.example", "missing.example", "gmail.com"]
    server = LoopbackDnsServer(ZONE).start()
    config = config_for(server.address)
    try:
        check_domains(db, domains, config)
    finally:
        server.stop()
    before = _stored(db, domains)
    assert {d: s for d, (s, _at) in before.items()} == {
        "acme-widgets.example": "ok",
        "missing.example": "nxdomain",
        "gmail.com": "ok",
    }
    cid = create_contact(db, name="Eva", email="eva@missing.example")
    result = check_contacts(db, [cid], config, refresh=True)  # nobody listens there any more
    assert result.domains.failed == 1
    assert _stored(db, domains) == before
    [g] = golook_for_contacts(db, [cid], result.domains.answers)
    assert g.verdict.startswith("Branded · missing.example · domain does not exist")  # a fact
    assert "new check failed" in ((g.dns.detail or "") if g.dns else "")


def test_good_then_lying_overwrites_nothing_though_it_was_trusted_minutes_ago(
    db: Database,
) -> None:
    with LoopbackDnsServer(dict(ZONE)) as server:
        config = config_for(server.address)
        check_domains(db, ["acme-widgets.example", "gwork.example", "missing.example"], config)
        # it was believed (missing.example does not exist is a fact now); then the portal
        assert cached_answers(db, ["missing.example"])["missing.example"].dns_status == "nxdomain"
        before = _stored(db, ["acme-widgets.example", "gwork.example"])
        server.zone.clear()
        batch = check_domains(db, ["acme-widgets.example", "gwork.example"], config, refresh=True)
        assert batch.untrusted
        assert {d: a.dns_status for d, a in batch.answers.items()} == {
            "acme-widgets.example": "ok",
            "gwork.example": "ok",
        }
        assert _stored(db, ["acme-widgets.example", "gwork.example"]) == before
        assert server.query_count("outlook.com", "MX") >= 1  # judged again, not on its past


def test_cached_lies_of_an_older_winnow_are_marked_unknown(
    db: Database, silent_port: SilentUdpPort
) -> None:
    """What an older version kept from a lying resolver (gmail.com "does not exist" among the
    rest): at the next check, with a dead resolver, those rows become unknown; an older,
    believable "does not exist" stays."""
    lie_time = utcnow() - timedelta(days=3)
    save_answers(
        db,
        [
            DomainAnswer("gmail.com", "nxdomain", (), "none", lie_time),
            DomainAnswer("acme-widgets.example", "nxdomain", (), "none", lie_time),
            DomainAnswer("gwork.example", "no_mx", (), "none", lie_time + timedelta(minutes=5)),
            DomainAnswer("gone.example", "nxdomain", (), "none", lie_time - timedelta(days=20)),
        ],
    )
    branded = create_contact(db, name="Anna", email="anna@acme-widgets.example")
    free = create_contact(db, name="Ole", email="ole@gmail.com")
    # before any check, gmail.com already is not "does not exist": the lists come first
    [f] = golook_for_contacts(db, [free])
    assert "does not exist" not in f.verdict and f.to_json()["dns_status"] == "untrusted"

    result = check_contacts(db, [branded, free], config_for(silent_port.address), refresh=True)
    stored = {
        d: a.dns_status
        for d, a in cached_answers(
            db, ["gmail.com", "acme-widgets.example", "gwork.example", "gone.example"]
        ).items()
    }
    assert stored == {
        "gmail.com": "untrusted",
        "acme-widgets.example": "untrusted",
        "gwork.example": "untrusted",
        "gone.example": "nxdomain",
    }
    for g in golook_for_contacts(db, [branded, free], result.domains.answers):
        assert "does not exist" not in g.verdict
        assert "mail host unknown" in g.verdict or g.address.domain_class == "free"
    [b] = golook_for_contacts(db, [branded])  # from the cache alone
    assert b.verdict.startswith(
        f"Branded · acme-widgets.example · mail host unknown ({UNTRUSTED_DETAIL})"
    )


def test_marked_rows_are_asked_again_and_a_good_resolver_replaces_them(
    db: Database, dns_server: LoopbackDnsServer, dns_config: DnsConfig
) -> None:
    lie_time = utcnow() - timedelta(hours=2)  # fresh: would not be asked again if believed
    save_answers(
        db,
        [
            DomainAnswer("gmail.com", "nxdomain", (), "none", lie_time),
            DomainAnswer("acme-widgets.example", "nxdomain", (), "none", lie_time),
        ],
    )
    batch = check_domains(db, ["acme-widgets.example", "gmail.com"], dns_config)
    assert batch.queried == 2 and not batch.untrusted
    stored = cached_answers(db, ["acme-widgets.example", "gmail.com"])
    assert stored["acme-widgets.example"].mail_host == "microsoft"
    assert stored["gmail.com"].mail_host == "google"


def test_a_small_free_mail_provider_that_is_gone_is_no_sign_of_lies(
    db: Database, dns_server: LoopbackDnsServer, dns_config: DnsConfig
) -> None:
    """The free-mail list holds providers long gone: their "does not exist" may be true, is kept,
    and does not make the other answers of that day suspect. Shown, the list comes first."""
    batch = check_domains(db, ["mail2world.com", "missing.example"], dns_config)
    assert not batch.untrusted and batch.distrusted == 0
    assert check_domains(db, ["gwork.example"], dns_config).queried == 1  # marks nothing
    stored = {
        d: a.dns_status
        for d, a in cached_answers(db, ["mail2world.com", "missing.example"]).items()
    }
    assert stored == {"mail2world.com": "nxdomain", "missing.example": "nxdomain"}
    cid = create_contact(db, name="Old", email="old@mail2world.com")
    [g] = golook_for_contacts(db, [cid])
    assert g.verdict.startswith("Free-mail (mail2world.com) · no company domain to look at")

"""Batch checks and the per-domain cache, against a real DNS server on loopback."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from app.contacts import create_contact, derived_values, set_fields_raw
from app.golook.checks import cached_answers, check_contacts, check_domains, save_answers
from app.golook.dns_check import DnsConfig, DomainAnswer
from app.timeutil import utcnow
from db.engine import Database
from tests.app.golook.conftest import config_for
from tests.dnsserver import Entry, LoopbackDnsServer, SilentUdpPort


def contact_with_raw_email(db: Database, email: str) -> int:
    """A contact whose address was stored as it came (as imports and old data may have it)."""
    cid = create_contact(db, name="Raw Address")
    with db.session() as s:
        set_fields_raw(s, cid, {"email": email, **derived_values({"email": email})})
    return cid


def test_answers_are_cached_per_domain(
    db: Database, dns_server: LoopbackDnsServer, dns_config: DnsConfig
) -> None:
    first = check_domains(db, ["acme-widgets.example", "missing.example"], dns_config)
    assert first.queried == 2 and first.from_cache == 0
    assert first.answers["acme-widgets.example"].mail_host == "microsoft"
    stored = cached_answers(db, ["acme-widgets.example", "missing.example"])
    assert stored["acme-widgets.example"].dns_status == "ok"
    assert stored["missing.example"].dns_status == "nxdomain"
    assert stored["acme-widgets.example"].checked_at is not None

    dns_server.reset_counts()
    again = check_domains(db, ["acme-widgets.example", "missing.example"], dns_config)
    assert again.queried == 0 and again.from_cache == 2
    assert dns_server.query_count() == 0
    assert again.answers["acme-widgets.example"].mx == first.answers["acme-widgets.example"].mx


def test_refresh_asks_again(
    db: Database, dns_server: LoopbackDnsServer, dns_config: DnsConfig
) -> None:
    check_domains(db, ["gwork.example"], dns_config)
    dns_server.reset_counts()
    check_domains(db, ["gwork.example"], dns_config, refresh=True)
    assert dns_server.query_count("gwork.example", "MX") == 1


def test_stale_answers_are_asked_again_after_the_ttl(
    db: Database, dns_server: LoopbackDnsServer, dns_config: DnsConfig
) -> None:
    old = utcnow() - timedelta(days=31)
    save_answers(db, [DomainAnswer("gwork.example", "ok", ("mx.old.example",), "other", old)])
    result = check_domains(db, ["gwork.example"], dns_config)  # default TTL: 30 days
    assert result.queried == 1
    assert cached_answers(db, ["gwork.example"])["gwork.example"].mail_host == "google"

    save_answers(
        db,
        [
            DomainAnswer(
                "zoho-user.example",
                "ok",
                ("mx.old.example",),
                "other",
                utcnow() - timedelta(days=5),
            )
        ],
    )
    dns_server.reset_counts()
    week = replace(dns_config, cache_days=7)
    assert check_domains(db, ["zoho-user.example"], week).from_cache == 1
    assert check_domains(db, ["zoho-user.example"], replace(week, cache_days=3)).queried == 1
    assert dns_server.query_count("zoho-user.example") == 1


def test_timeouts_and_errors_are_never_cached(
    db: Database, dns_server: LoopbackDnsServer, dns_config: DnsConfig
) -> None:
    result = check_domains(db, ["slow.example", "servfail.example"], dns_config)
    assert result.answers["slow.example"].dns_status == "timeout"
    assert result.answers["servfail.example"].dns_status == "error"
    assert result.failed == 2
    assert cached_answers(db, ["slow.example", "servfail.example"]) == {}


def test_a_timeout_never_replaces_a_good_answer(
    db: Database, dns_server: LoopbackDnsServer, dns_config: DnsConfig
) -> None:
    good_time = utcnow() - timedelta(days=40)  # stale, so it is asked again
    good = DomainAnswer("slow.example", "ok", ("mx.slow.example",), "self", good_time)
    save_answers(db, [good])
    result = check_domains(db, ["slow.example"], dns_config, refresh=True)
    assert result.failed == 1
    shown = result.answers["slow.example"]
    assert shown.dns_status == "ok" and shown.mx == ("mx.slow.example",)
    assert shown.detail and "new check failed" in shown.detail
    stored = cached_answers(db, ["slow.example"])["slow.example"]
    assert (stored.dns_status, stored.checked_at) == ("ok", good_time)


def test_dns_down_gives_unknown_and_keeps_the_cache(
    db: Database, silent_port: SilentUdpPort
) -> None:
    good = DomainAnswer(
        "acme-widgets.example", "ok", ("mx.acme.example",), "self", utcnow() - timedelta(days=60)
    )
    save_answers(db, [good])
    result = check_domains(
        db,
        ["acme-widgets.example", "missing.example"],
        config_for(silent_port.address),
        refresh=True,
    )
    assert result.answers["missing.example"].dns_status == "timeout"  # never "nxdomain"
    assert result.answers["acme-widgets.example"].dns_status == "ok"
    assert set(cached_answers(db, ["acme-widgets.example", "missing.example"])) == {
        "acme-widgets.example"
    }


def test_offline_sends_nothing(
    db: Database, dns_server: LoopbackDnsServer, dns_config: DnsConfig
) -> None:
    check_domains(db, ["gwork.example"], dns_config)
    dns_server.reset_counts()
    offline = replace(dns_config, offline=True)
    result = check_domains(db, ["gwork.example", "acme-widgets.example"], offline, refresh=True)
    assert dns_server.query_count() == 0
    assert result.answers["gwork.example"].dns_status == "ok"  # the cache still counts
    assert result.answers["acme-widgets.example"].dns_status == "offline"
    assert result.answers["acme-widgets.example"].mail_host == "unknown"
    assert "acme-widgets.example" not in cached_answers(db, ["acme-widgets.example"])


def test_batch_asks_each_domain_once(
    db: Database, dns_server: LoopbackDnsServer, dns_config: DnsConfig
) -> None:
    domains = [
        "acme-widgets.example",
        "gwork.example",
        "selfhosted.example",
        "gmail.com",
        "missing.example",
    ]
    ids = [
        create_contact(db, name=f"Person {i}", email=f"p{i}@{domains[i % 5]}") for i in range(40)
    ]
    ids.append(contact_with_raw_email(db, "bad address@acme-widgets.example"))
    result = check_contacts(db, ids, dns_config)
    assert sorted(result.domains.answers) == sorted(domains)
    for d in domains:
        assert dns_server.query_count(d, "MX") == 1, d
    assert dns_server.query_count() == len(domains)
    assert result.contact_ids == ids


def test_parallelism_is_bounded(db: Database) -> None:
    zone = {f"d{i}.example": Entry(mx=[(10, f"mx.d{i}.example")]) for i in range(60)}
    with LoopbackDnsServer(zone, delay=0.05) as server:
        config = replace(config_for(server.address), parallel=6, timeout=2.0)
        seen: list[tuple[int, int]] = []
        result = check_domains(
            db, list(zone), config, progress=lambda done, total: seen.append((done, total))
        )
        assert result.queried == 60
        assert all(a.dns_status == "ok" for a in result.answers.values())
        assert 2 <= server.max_in_flight <= 6
        assert server.query_count() == 60
    assert seen[-1] == (60, 60)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_cancel_stops_the_batch(db: Database) -> None:
    zone = {f"c{i}.example": Entry(mx=[(10, f"mx.c{i}.example")]) for i in range(200)}
    with LoopbackDnsServer(zone, delay=0.05) as server:
        config = replace(config_for(server.address), parallel=4, timeout=2.0)
        done_count = [0]

        def progress(done: int, _total: int) -> None:
            done_count[0] = done

        result = check_domains(
            db, list(zone), config, progress=progress, cancelled=lambda: done_count[0] >= 10
        )
        asked = server.query_count()
    assert result.cancelled
    assert 10 <= result.queried < 200
    assert asked == result.queried  # nothing was sent that was not waited for
    # what was answered before the cancel is kept
    assert len(cached_answers(db, list(zone))) == result.queried


def test_with_dns_silent_the_batch_gives_up_instead_of_waiting_out_every_domain(
    db: Database,
) -> None:
    zone = {f"s{i}.example": Entry(silent=True) for i in range(100)}
    with LoopbackDnsServer(zone) as server:
        config = replace(config_for(server.address), parallel=4, timeout=0.2)
        result = check_domains(db, list(zone), config)
        asked = server.query_count()
    assert result.gave_up and not result.cancelled
    assert asked < 100
    assert {a.dns_status for a in result.answers.values()} == {"timeout"}
    assert len(result.answers) == 100
    assert cached_answers(db, list(zone)) == {}


def test_stored_mx_lists_read_back_as_json(db: Database) -> None:
    """The fast path for plain host names writes exactly what ``json.dumps`` would."""
    import json

    from app.golook.checks import _mx_json

    for hosts in [(), ("mx.a.example",), ("a.example", "mx.münchen.example"), ('odd"name',)]:
        assert _mx_json(hosts) == json.dumps(list(hosts), ensure_ascii=False)
    answers = [
        DomainAnswer("münchen-firma.example", "ok", ("mx.münchen-firma.example", "b.example"))
    ]
    save_answers(db, answers)
    stored = cached_answers(db, ["münchen-firma.example"])["münchen-firma.example"]
    assert stored.mx == ("mx.münchen-firma.example", "b.example")
    assert stored.mail_host == "unknown" and stored.checked_at is not None

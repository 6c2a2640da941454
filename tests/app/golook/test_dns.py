"""DNS answers from a real server on loopback: statuses, mail hosts, failures, configuration."""

from __future__ import annotations

import pytest

from app.errors import UsageError
from app.golook.dns_check import (
    DnsConfig,
    load_dns_config,
    lookup_mail,
    make_resolver,
    parse_nameserver,
)
from app.settings import set_setting
from db.engine import Database
from tests.app.golook.conftest import config_for
from tests.dnsserver import LoopbackDnsServer, SilentUdpPort


@pytest.mark.parametrize(
    ("domain", "status", "mail_host", "mx"),
    [
        (
            "acme-widgets.example",
            "ok",
            "microsoft",
            ["acme-widgets-example.mail.protection.outlook.com"],
        ),
        ("gwork.example", "ok", "google", ["aspmx.l.google.com", "alt1.aspmx.l.google.com"]),
        ("selfhosted.example", "ok", "self", ["mx1.selfhosted.example", "mx2.selfhosted.example"]),
        ("ionos-kunde.example", "ok", "ionos", ["mx00.kundenserver.de", "mx01.kundenserver.de"]),
        ("zoho-user.example", "ok", "zoho", ["mx.zoho.eu"]),
        ("proton-user.example", "ok", "proton", ["mail.protonmail.ch"]),
        ("ovh-user.example", "ok", "ovh", ["mx1.mail.ovh.net"]),
        ("gmx-hosted.example", "ok", "united-internet", ["mx00.emig.gmx.net"]),
        ("mimecast-user.example", "ok", "mimecast", ["eu-smtp-inbound-1.mimecast.com"]),
        ("strato-user.example", "ok", "strato", ["smtpin.rzone.de"]),
        ("elsewhere.example", "ok", "other", ["mx.some-mail-hoster.example"]),
        ("münchen-firma.example", "ok", "self", ["mx.münchen-firma.example"]),
        ("nullmx.example", "null_mx", "none", []),
        # NODATA for MX is not "no such domain": the A record is the implicit MX
        ("webonly.example", "no_mx", "self", ["webonly.example"]),
        ("v6only.example", "no_mx", "self", ["v6only.example"]),
        ("bare.example", "no_mx", "none", []),
        ("missing.example", "nxdomain", "none", []),
    ],
)
def test_statuses_and_mail_hosts(
    dns_server: LoopbackDnsServer,
    dns_config: DnsConfig,
    domain: str,
    status: str,
    mail_host: str,
    mx: list[str],
) -> None:
    answer = lookup_mail(make_resolver(dns_config), domain)
    assert answer.dns_status == status
    assert answer.mail_host == mail_host
    assert list(answer.mx) == mx
    assert answer.checked_at is not None
    assert answer.cacheable


def test_nodata_asks_for_the_address_not_nxdomain(
    dns_server: LoopbackDnsServer, dns_config: DnsConfig
) -> None:
    lookup_mail(make_resolver(dns_config), "webonly.example")
    assert dns_server.query_count("webonly.example", "MX") == 1
    assert dns_server.query_count("webonly.example", "A") == 1


@pytest.mark.parametrize("domain", ["slow.example", "garbage.example"])
def test_a_late_or_garbled_answer_is_a_timeout(
    dns_server: LoopbackDnsServer, dns_config: DnsConfig, domain: str
) -> None:
    answer = lookup_mail(make_resolver(dns_config), domain)
    assert answer.dns_status == "timeout"
    assert answer.mail_host == "unknown"
    assert answer.unknown and not answer.cacheable


def test_servfail_is_an_error_not_no_mail(
    dns_server: LoopbackDnsServer, dns_config: DnsConfig
) -> None:
    answer = lookup_mail(make_resolver(dns_config), "servfail.example")
    assert answer.dns_status == "error"
    assert answer.mail_host == "unknown"
    assert answer.detail


def test_a_server_that_never_answers_gives_timeout(silent_port: SilentUdpPort) -> None:
    answer = lookup_mail(make_resolver(config_for(silent_port.address)), "acme-widgets.example")
    assert answer.dns_status == "timeout"
    assert not answer.cacheable


def test_no_resolver_at_all_is_an_error() -> None:
    answer = lookup_mail(None, "acme-widgets.example")
    assert answer.dns_status == "error"
    assert answer.detail == "no DNS server configured"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1", ("127.0.0.1", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("::1", ("::1", 53)),
        ("[::1]:5353", ("::1", 5353)),
        (" 10.0.0.1:53 ", ("10.0.0.1", 53)),
    ],
)
def test_parse_nameserver(text: str, expected: tuple[str, int]) -> None:
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize("text", ["dns.example", "127.0.0.1:x", "127.0.0.1:70000", "[::1]:0"])
def test_parse_nameserver_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_nameserver(text)


def test_config_precedence(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_dns_config(db).nameserver is None
    set_setting(db, "golook.nameserver", "10.1.1.1:5300")
    set_setting(db, "golook.dns_timeout", 1.5)
    set_setting(db, "golook.parallel", 8)
    set_setting(db, "golook.cache_days", 7)
    config = load_dns_config(db)
    assert (config.nameserver, config.port, config.timeout, config.parallel, config.cache_days) == (
        "10.1.1.1",
        5300,
        1.5,
        8,
        7,
    )
    monkeypatch.setenv("WINNOW_NAMESERVER", "10.2.2.2")
    assert (load_dns_config(db).nameserver, load_dns_config(db).port) == ("10.2.2.2", 53)
    assert load_dns_config(db, nameserver="127.0.0.1:99").port == 99
    assert not load_dns_config(db).offline
    set_setting(db, "golook.offline", True)
    assert load_dns_config(db).offline
    assert not load_dns_config(db, offline=False).offline

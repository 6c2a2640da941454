"""Go-look fixtures: a real DNS server on loopback with a fixed zone, and a port that never
answers. Every test here checks that no thread outlives it (server, resolver pool)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from app.golook.dns_check import DnsConfig, parse_nameserver
from tests.dnsserver import Entry, LoopbackDnsServer, SilentUdpPort

# short, so timeouts are quick, but long enough for a loopback answer on a busy machine (0.4 s
# made a canary time out once at a load of 12-14); the "slow" name answers well after it
TIMEOUT = 1.5

ZONE: dict[str, Entry] = {
    "acme-widgets.example": Entry(mx=[(10, "acme-widgets-example.mail.protection.outlook.com")]),
    "gwork.example": Entry(mx=[(5, "alt1.aspmx.l.google.com"), (1, "aspmx.l.google.com")]),
    "selfhosted.example": Entry(
        mx=[(10, "mx1.selfhosted.example"), (20, "mx2.selfhosted.example")]
    ),
    "ionos-kunde.example": Entry(mx=[(10, "mx00.kundenserver.de"), (10, "mx01.kundenserver.de")]),
    "zoho-user.example": Entry(mx=[(10, "mx.zoho.eu")]),
    "proton-user.example": Entry(mx=[(10, "mail.protonmail.ch")]),
    "ovh-user.example": Entry(mx=[(1, "mx1.mail.ovh.net")]),
    "gmx-hosted.example": Entry(mx=[(10, "mx00.emig.gmx.net")]),
    "mimecast-user.example": Entry(mx=[(10, "eu-smtp-inbound-1.mimecast.com")]),
    "strato-user.example": Entry(mx=[(5, "smtpin.rzone.de")]),
    "elsewhere.example": Entry(mx=[(10, "mx.some-mail-hoster.example")]),
    "nullmx.example": Entry(mx=[(0, ".")]),
    "webonly.example": Entry(a=["192.0.2.10"]),
    "v6only.example": Entry(aaaa=["2001:db8::1"]),
    "bare.example": Entry(),  # the name exists, with no MX and no address
    "slow.example": Entry(mx=[(10, "mx.slow.example")], delay=3.0),
    "servfail.example": Entry(servfail=True),
    "garbage.example": Entry(garbage=True),
    "gmail.com": Entry(mx=[(5, "gmail-smtp-in.l.google.com")]),
    "xn--mnchen-firma-dlb.example": Entry(mx=[(10, "mx.xn--mnchen-firma-dlb.example")]),
    # missing.example and everything else: NXDOMAIN
}


@pytest.fixture(autouse=True)
def _no_thread_leaks() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        extra = [
            t
            for t in threading.enumerate()
            if t not in before and t.is_alive() and not t.name.startswith("winnow-pg")
        ]  # the test PostgreSQL server's own helper thread (tests/postgres_cluster.py) lives on
        if not extra:
            return
        time.sleep(0.05)
    pytest.fail(f"threads left running: {[t.name for t in extra]}")


@pytest.fixture
def dns_server() -> Iterator[LoopbackDnsServer]:
    server = LoopbackDnsServer(ZONE).start()
    yield server
    server.stop()
    assert not server.running


@pytest.fixture
def silent_port() -> Iterator[SilentUdpPort]:
    with SilentUdpPort() as port:
        yield port


def config_for(address: str, **kw: object) -> DnsConfig:
    host, port = parse_nameserver(address)
    return DnsConfig(nameserver=host, port=port, timeout=TIMEOUT, **kw)  # type: ignore[arg-type]


@pytest.fixture
def dns_config(dns_server: LoopbackDnsServer) -> DnsConfig:
    return config_for(dns_server.address)

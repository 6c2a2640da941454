"""Asking DNS where a domain's mail goes: one resolver, configured from the settings.

Statuses: ``ok`` (MX hosts), ``no_mx`` (the name exists but has no MX; with an A/AAAA address the
domain itself takes mail — the implicit MX), ``null_mx`` (RFC 7505 ``0 .``: accepts no mail),
``nxdomain`` (no such domain), and those that mean *unknown*, never "no mail": ``timeout``,
``error``, ``offline`` (the user switched network checks off; nothing was sent) and
``untrusted`` (a "does not exist" or "no mail" from a DNS server that says the same of gmail.com:
:mod:`app.golook.trust`).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from app.errors import UsageError
from app.golook.mailhost import mail_host_of
from app.golook.terms import SETTING_OFFLINE
from app.settings import get_setting
from app.timeutil import utcnow
from db.engine import Database

if TYPE_CHECKING:  # dnspython (0.07 s to import) when a check asks DNS: ``show`` reads answers
    import dns.name
    import dns.resolver

# answers that are facts about the domain: cached; the rest say nothing and never are
CACHEABLE_STATUSES = frozenset({"ok", "no_mx", "null_mx", "nxdomain"})
UNKNOWN_STATUSES = frozenset({"timeout", "error", "offline", "untrusted"})

NAMESERVER_ENV = "WINNOW_NAMESERVER"
SETTING_NAMESERVER = "golook.nameserver"  # "HOST[:PORT]" or null for the system's resolver
SETTING_TIMEOUT = "golook.dns_timeout"  # seconds per domain
SETTING_PARALLEL = "golook.parallel"  # queries in flight in a batch
SETTING_CACHE_DAYS = "golook.cache_days"  # how long an answer stays fresh

DEFAULT_TIMEOUT = 4.0
DEFAULT_PARALLEL = 32
DEFAULT_CACHE_DAYS = 30


@dataclass(frozen=True)
class DnsConfig:
    """How Winnow asks DNS; built from settings, ``WINNOW_NAMESERVER`` and command options."""

    nameserver: str | None = None  # IP address; None: the system's resolver
    port: int = 53
    timeout: float = DEFAULT_TIMEOUT
    offline: bool = False
    parallel: int = DEFAULT_PARALLEL
    cache_days: int = DEFAULT_CACHE_DAYS


@dataclass(frozen=True)
class DomainAnswer:
    """What DNS said about one registrable domain's mail."""

    domain: str
    dns_status: str
    mx: tuple[str, ...] = ()
    mail_host: str = "unknown"
    checked_at: datetime | None = None
    detail: str | None = None  # why a check failed, for the user
    from_cache: bool = False

    @property
    def cacheable(self) -> bool:
        return self.dns_status in CACHEABLE_STATUSES

    @property
    def unknown(self) -> bool:
        return self.dns_status in UNKNOWN_STATUSES


def parse_nameserver(text: str) -> tuple[str, int]:
    """``1.2.3.4``, ``1.2.3.4:5353``, ``::1``, ``[::1]:5353`` -> (address, port)."""
    raw = text.strip()
    host, port_text = raw, ""
    if raw.startswith("["):
        host, _, rest = raw[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else rest
    elif raw.count(":") == 1:
        host, _, port_text = raw.partition(":")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise UsageError(
            f"nameserver must be an IP address with an optional port (HOST[:PORT]): {text!r}"
        ) from None
    port = 53
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise UsageError(f"not a port number in nameserver {text!r}")
        port = int(port_text)
    return host, port


def load_dns_config(
    db: Database | None = None,
    *,
    nameserver: str | None = None,
    offline: bool | None = None,
) -> DnsConfig:
    """The DNS settings in force: ``nameserver`` argument, else ``$WINNOW_NAMESERVER``, else the
    ``golook.nameserver`` setting, else the system's resolver."""
    stored: dict[str, object] = {}
    if db is not None:
        for key in (
            SETTING_NAMESERVER,
            SETTING_TIMEOUT,
            SETTING_OFFLINE,
            SETTING_PARALLEL,
            SETTING_CACHE_DAYS,
        ):
            stored[key] = get_setting(db, key)
    server_text = nameserver or os.environ.get(NAMESERVER_ENV) or stored.get(SETTING_NAMESERVER)
    config = DnsConfig()
    if server_text:
        host, port = parse_nameserver(str(server_text))
        config = replace(config, nameserver=host, port=port)
    timeout = stored.get(SETTING_TIMEOUT)
    if isinstance(timeout, int | float) and timeout > 0:
        config = replace(config, timeout=float(timeout))
    parallel = stored.get(SETTING_PARALLEL)
    if isinstance(parallel, int) and parallel > 0:
        config = replace(config, parallel=parallel)
    days = stored.get(SETTING_CACHE_DAYS)
    if isinstance(days, int | float) and days >= 0:
        config = replace(config, cache_days=int(days))
    if offline is not None:
        config = replace(config, offline=offline)
    elif stored.get(SETTING_OFFLINE) is True:
        config = replace(config, offline=True)
    return config


def make_resolver(config: DnsConfig) -> dns.resolver.Resolver | None:
    """The one resolver for this configuration; None when there is no DNS server to ask."""
    import dns.resolver

    if config.nameserver:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [config.nameserver]
        resolver.port = config.port
    else:
        try:
            resolver = dns.resolver.Resolver()
        except (dns.resolver.NoResolverConfiguration, OSError):
            return None
    # one attempt per domain, bounded by the timeout; no search list, no retries on SERVFAIL
    resolver.timeout = config.timeout
    resolver.lifetime = config.timeout
    resolver.retry_servfail = False
    resolver.use_search_by_default = False
    return resolver


def lookup_mail(resolver: dns.resolver.Resolver | None, domain: str) -> DomainAnswer:
    """Ask where ``domain``'s mail goes. Never raises for DNS or network trouble."""
    import dns.exception
    import dns.name
    import dns.rdatatype
    import dns.resolver

    now = utcnow()
    if resolver is None:
        return DomainAnswer(domain, "error", checked_at=now, detail="no DNS server configured")
    try:
        from app.golook.classify import to_ascii  # not at the window's start: on first use

        qname = dns.name.from_text(to_ascii(domain))
    except (ValueError, dns.exception.DNSException) as exc:
        return DomainAnswer(domain, "error", checked_at=now, detail=f"not a DNS name: {exc}")
    try:
        answer = resolver.resolve(qname, dns.rdatatype.MX, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return DomainAnswer(domain, "nxdomain", mail_host="none", checked_at=now)
    except Exception as exc:
        return _failure(domain, exc, now)
    if answer.rrset is None:  # NODATA: the name exists, it just has no MX
        return _implicit_mx(resolver, domain, qname, now)
    records = sorted(answer.rrset, key=lambda r: (r.preference, str(r.exchange)))
    if all(r.exchange == dns.name.root for r in records):
        return DomainAnswer(domain, "null_mx", mail_host="none", checked_at=now)
    hosts = tuple(
        r.exchange.to_unicode(omit_final_dot=True).lower()
        for r in records
        if r.exchange != dns.name.root
    )
    return DomainAnswer(domain, "ok", hosts, mail_host_of(domain, hosts), now)


def _implicit_mx(
    resolver: dns.resolver.Resolver, domain: str, qname: dns.name.Name, now: datetime
) -> DomainAnswer:
    """No MX: mail goes to the domain's own A/AAAA address if it has one (RFC 5321 §5.1)."""
    import dns.rdatatype
    import dns.resolver

    for rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
        try:
            answer = resolver.resolve(qname, rdtype, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return DomainAnswer(domain, "nxdomain", mail_host="none", checked_at=now)
        except Exception as exc:
            return _failure(domain, exc, now)
        if answer.rrset is not None:
            return DomainAnswer(domain, "no_mx", (domain,), "self", now)
    return DomainAnswer(domain, "no_mx", (), "none", now)


def _failure(domain: str, exc: BaseException, now: datetime) -> DomainAnswer:
    import dns.exception
    import dns.resolver

    if isinstance(exc, dns.exception.Timeout):
        return DomainAnswer(
            domain, "timeout", checked_at=now, detail="the DNS server did not answer in time"
        )
    if isinstance(exc, dns.resolver.NoNameservers):
        return DomainAnswer(
            domain, "error", checked_at=now, detail="the DNS server refused or failed to answer"
        )
    if isinstance(exc, OSError):
        return DomainAnswer(
            domain, "error", checked_at=now, detail=f"network problem: {exc.strerror or exc}"
        )
    return DomainAnswer(domain, "error", checked_at=now, detail=str(exc) or type(exc).__name__)


def offline_answer(domain: str) -> DomainAnswer:
    return DomainAnswer(domain, "offline", detail="network checks are switched off")

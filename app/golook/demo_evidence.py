"""Cached DNS evidence for the demo's domains, so a new user sees verdicts at once.

Written when the demo is created, through the checker's own cache (``domain_checks`` via
:func:`app.golook.checks.save_answers`), with no network: company domains get mail hosts of
every kind (Microsoft 365, Google Workspace, their own server, IONOS, OVH, Strato, Mimecast,
Zoho, Proofpoint, others), one has no MX at all, a few only an address record; free-mail and
throw-away domains get their providers' hosts. Each domain's choice follows from its name
(CRC-32), so the same demo gets the same evidence.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache

from app.golook.checks import save_answers
from app.golook.dns_check import DomainAnswer
from app.golook.mailhost import mail_host_of
from app.timeutil import utcnow
from db.engine import Database

# the providers' real MX hosts (as published when this was written)
KNOWN_MX: dict[str, tuple[str, ...]] = {
    "gmail.com": ("gmail-smtp-in.l.google.com", "alt1.gmail-smtp-in.l.google.com"),
    "googlemail.com": ("gmail-smtp-in.l.google.com",),
    "yahoo.com": ("mta5.am0.yahoodns.net", "mta6.am0.yahoodns.net"),
    "yahoo.es": ("mx-eu.mail.am0.yahoodns.net",),
    "hotmail.com": ("hotmail-com.olc.protection.outlook.com",),
    "hotmail.co.uk": ("eur.olc.protection.outlook.com",),
    "outlook.com": ("outlook-com.olc.protection.outlook.com",),
    "web.de": ("mx-ha03.web.de", "mx-ha02.web.de"),
    "gmx.de": ("mx00.emig.gmx.net", "mx01.emig.gmx.net"),
    "orange.fr": ("smtp-in.orange.fr",),
    "free.fr": ("mx1.free.fr", "mx2.free.fr"),
    "icloud.com": ("mx01.mail.icloud.com", "mx02.mail.icloud.com"),
    "wp.pl": ("mx.wp.pl",),
    "mailinator.com": ("mail.mailinator.com", "mail2.mailinator.com"),
    "guerrillamail.com": ("mx1.sharklasers.com",),
    "10minutemail.com": ("mx.10minutemail.com",),
    "trashmail.com": ("mx.trashmail.com",),
}

# a company's hosted mail, by the bucket its name falls into (0-99)
_COUNTRY_HOSTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Germany": (("mx00.kundenserver.de", "mx01.kundenserver.de"), ("smtpin.rzone.de",)),
    "France": (("mx1.mail.ovh.net", "mx2.mail.ovh.net"),),
    "United Kingdom": (("eu-smtp-inbound-1.mimecast.com", "eu-smtp-inbound-2.mimecast.com"),),
    "United States": (("us-smtp-inbound-1.mimecast.com", "us-smtp-inbound-2.mimecast.com"),),
}
_OTHER_HOSTS: tuple[tuple[str, ...], ...] = (
    ("mx.zoho.eu", "mx2.zoho.eu"),
    ("mx0a-00231b01.pphosted.com", "mx0b-00231b01.pphosted.com"),
    ("mail.protonmail.ch", "mailsec.protonmail.ch"),
    ("mx1.netcup.net",),
    ("mx.hostpoint.ch",),
)


def _bucket(domain: str) -> int:
    return zlib.crc32(domain.encode("utf-8")) % 100


def company_answer(domain: str, country: str | None, checked_at: datetime) -> DomainAnswer:
    """What a (made-up) company domain's mail looks like: mostly Microsoft 365 and Google."""
    # the provider key is what mail_host_of says of these hosts (a test checks every one);
    # worked out here, as the public-suffix look-ups for 25,000 new names would cost a second
    b = _bucket(domain)
    if b < 38:
        mx: tuple[str, ...] = (f"{domain.replace('.', '-')}.mail.protection.outlook.com",)
        host = "microsoft"
    elif b < 58:
        mx = ("aspmx.l.google.com", "alt1.aspmx.l.google.com", "alt2.aspmx.l.google.com")
        host = "google"
    elif b < 70:
        mx, host = (f"mail.{domain}", f"mx2.{domain}"), "self"
    elif b < 96:
        local = _COUNTRY_HOSTS.get(country or "", ())
        choices = local + local + _OTHER_HOSTS  # the country's own hosters come up more
        mx = choices[_bucket(domain[::-1]) % len(choices)]
        host = _provider(mx)
    else:  # no MX, but an address: the domain's own server takes the mail (RFC 5321)
        return DomainAnswer(domain, "no_mx", (domain,), "self", checked_at)
    return DomainAnswer(domain, "ok", mx, host, checked_at)


@lru_cache(maxsize=64)
def _provider(mx: tuple[str, ...]) -> str:
    """The provider of shared hosts (not the domain's own: that is never one of them)."""
    return mail_host_of("demo.invalid", mx)


def provider_answer(domain: str, checked_at: datetime) -> DomainAnswer:
    mx = KNOWN_MX.get(domain, (f"mx.{domain}",))
    return DomainAnswer(domain, "ok", mx, mail_host_of(domain, mx), checked_at)


def demo_answers(
    domains: Mapping[str, tuple[str | None, str | None]], now: datetime
) -> list[DomainAnswer]:
    """An answer for each domain ({domain: (domain class, country)}); the branded domain with
    the lowest bucket has no mail server at all (no MX, no address)."""
    out: list[DomainAnswer] = []
    branded = [d for d, (kind, _c) in domains.items() if kind == "branded"]
    without_mx = min(branded, key=lambda d: (_bucket(d), d)) if branded else None
    base = now.replace(microsecond=0)
    times = [base - timedelta(hours=h) for h in range(96)]  # checked in the last four days
    for domain, (kind, country) in domains.items():
        checked_at = times[_bucket(domain[::-1]) % 96]
        if domain == without_mx:
            out.append(DomainAnswer(domain, "no_mx", (), "none", checked_at))
        elif kind == "branded":
            out.append(company_answer(domain, country, checked_at))
        elif kind in ("free", "disposable"):
            out.append(provider_answer(domain, checked_at))
    return out


def write_demo_evidence(
    db: Database, domains: Mapping[str, tuple[str | None, str | None]], now: datetime | None = None
) -> int:
    """Cache the demo's evidence for the domains not cached yet (a real answer is never
    replaced); returns how many were written."""
    return save_answers(db, demo_answers(domains, now or utcnow()), replace=False)

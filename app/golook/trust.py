"""Is this DNS server telling the truth? Asked before believing "does not exist" or "no mail".

Captive portals and some offline networks answer "no such domain" for every name. Before a
batch keeps such an answer, the resolver must show it can see the canary domains' mail
(gmail.com, outlook.com, yahoo.com): if none of them has an MX either, the resolver is not
trustworthy and those answers are *unknown* ("DNS not trustworthy here"), never cached.

The judgement is kept per resolver (its servers and port) for a few minutes, so a batch — or a
run of "Check again" clicks — asks the canaries at most once. Rows of the cache that an older
Winnow stored from such a resolver (gmail.com "does not exist" beside them) are marked unknown
by :func:`mark_untrusted_rows`. A big provider's "does not exist" (:data:`BIG_PROVIDERS`) is
never believed, whoever says it.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Table, bindparam, select, update

from app.golook.dns_check import DomainAnswer, lookup_mail
from app.golook.terms import CANARY_DOMAINS, UNTRUSTED_DETAIL
from app.timeutil import utcnow
from db.engine import Database
from db.models import DomainCheck

if TYPE_CHECKING:  # imported by app.golook.dns_check when DNS is asked
    import dns.resolver

# big mail providers that certainly exist and take mail: "does not exist" of one is a lie. (The
# free-mail list as a whole also holds providers long gone, whose "does not exist" is true.)
BIG_PROVIDERS = frozenset(
    {
        *CANARY_DOMAINS,
        "googlemail.com", "hotmail.com", "hotmail.co.uk", "hotmail.de", "hotmail.fr",
        "live.com", "msn.com", "yahoo.co.uk", "yahoo.de", "yahoo.fr", "yahoo.es", "ymail.com",
        "aol.com", "icloud.com", "me.com", "mac.com", "gmx.de", "gmx.net", "gmx.com", "web.de",
        "t-online.de", "orange.fr", "free.fr", "laposte.net", "libero.it", "protonmail.com",
        "proton.me", "mail.ru", "yandex.ru", "qq.com", "163.com", "wp.pl", "o2.pl", "seznam.cz",
    }
)  # fmt: skip
# answers that say the domain takes no mail: believed only from a trustworthy resolver
NEGATIVE_STATUSES = frozenset({"nxdomain", "no_mx", "null_mx"})
UNTRUSTED = "untrusted"
# how long a judgement stands (seconds): a good resolver for minutes; a bad one less, so that
# logging in to the hotel's portal is noticed soon
TRUSTED_FOR = 300.0
DISTRUSTED_FOR = 60.0
# cached negative answers this close to a lie (gmail.com "does not exist") came from the same
# lying resolver
LIE_WINDOW = timedelta(days=1)

_checks: Table = DomainCheck.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class ResolverTrust:
    trusted: bool
    canaries: Mapping[str, str]  # canary domain -> the status it got
    judged_at: float  # time.monotonic()

    def fresh(self, now: float) -> bool:
        return now - self.judged_at < (TRUSTED_FOR if self.trusted else DISTRUSTED_FOR)


_judgements: dict[tuple[object, ...], ResolverTrust] = {}
_lock = threading.Lock()


def resolver_key(resolver: dns.resolver.Resolver) -> tuple[object, ...]:
    return (tuple(str(n) for n in resolver.nameservers), resolver.port)


def known_trust(resolver: dns.resolver.Resolver | None) -> ResolverTrust | None:
    """The standing judgement of this resolver, if any (no network)."""
    if resolver is None:
        return None
    with _lock:
        found = _judgements.get(resolver_key(resolver))
    return found if found is not None and found.fresh(time.monotonic()) else None


def judge_resolver(
    resolver: dns.resolver.Resolver, seen: Mapping[str, DomainAnswer] | None = None
) -> ResolverTrust:
    """Trusted when at least one canary domain has MX hosts. ``seen`` are answers this batch
    already got from the same resolver (a canary among them that answered saves the asking)."""
    standing = known_trust(resolver)
    if standing is not None:
        return standing
    statuses = {d: seen[d].dns_status for d in CANARY_DOMAINS if seen and d in seen}
    if not any(s == "ok" for s in statuses.values()):
        with ThreadPoolExecutor(
            max_workers=len(CANARY_DOMAINS), thread_name_prefix="winnow-dns-canary"
        ) as pool:
            answers = list(pool.map(lambda d: lookup_mail(resolver, d), CANARY_DOMAINS))
        statuses = {a.domain: a.dns_status for a in answers}
    trust = ResolverTrust(
        trusted=any(s == "ok" for s in statuses.values()),
        canaries=statuses,
        judged_at=time.monotonic(),
    )
    with _lock:
        _judgements[resolver_key(resolver)] = trust
    return trust


def forget_judgement(resolver: dns.resolver.Resolver) -> None:
    with _lock:
        _judgements.pop(resolver_key(resolver), None)


def forget_judgements() -> None:
    """Judge every resolver afresh (tests; a changed network)."""
    with _lock:
        _judgements.clear()


def untrusted_answer(domain: str, checked_at: datetime | None = None) -> DomainAnswer:
    return DomainAnswer(
        domain, UNTRUSTED, checked_at=checked_at or utcnow(), detail=UNTRUSTED_DETAIL
    )


def is_impossible(answer: DomainAnswer) -> bool:
    """A negative answer for a big mail provider (gmail.com "does not exist"): a lie."""
    return answer.dns_status in NEGATIVE_STATUSES and answer.domain in BIG_PROVIDERS


def mark_untrusted_rows(db: Database) -> int:
    """Mark unknown the cached negative answers that a lying resolver gave: those of big mail
    providers, and every other negative one cached within a day of such a lie. Returns how many
    rows were marked (usually none: one small look-up by primary key)."""
    c = _checks.c
    negative = c.dns_status.in_(sorted(NEGATIVE_STATUSES))
    with db.session() as s:
        lies = sorted(
            s.execute(
                select(c.checked_at).where(c.domain.in_(sorted(BIG_PROVIDERS)), negative)
            ).scalars()
        )
        if not lies:
            return 0
        rows = s.execute(select(c.domain, c.checked_at).where(negative)).all()
        suspect = [domain for domain, at in rows if _near(at, lies)]
        stmt = (
            update(_checks)
            .where(c.domain == bindparam("d"))
            .values(dns_status=UNTRUSTED, mx="[]", mail_host="unknown")
        )
        s.connection().execute(stmt, [{"d": d} for d in suspect])
    return len(suspect)


def _near(at: datetime, lies: list[datetime]) -> bool:
    """Is ``at`` within the window of a lie (``lies`` sorted)?"""
    i = bisect.bisect_left(lies, at)
    return any(abs(at - lies[j]) <= LIE_WINDOW for j in (i - 1, i) if 0 <= j < len(lies))

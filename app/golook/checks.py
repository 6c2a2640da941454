"""DNS answers per registrable domain: the cache (table ``domain_checks``) and batch checks.

A batch asks about each distinct domain once, at most ``parallel`` queries in flight (a thread
pool over dnspython's synchronous resolver), reports progress and stops when told to. Only
answers that are facts (ok, no_mx, null_mx, nxdomain) are stored; a timeout or an error is never
cached and never replaces a good answer already there — the older answer is shown instead.

"Does not exist" and "no mail" are facts only from a resolver that can see the canary domains'
mail (:mod:`app.golook.trust`); from one that cannot they are *unknown* ("DNS not trustworthy
here"), are not stored, and the batch says so (``DomainBatch.untrusted``).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Table, bindparam, insert, select, update

from app.golook.dns_check import (
    DnsConfig,
    DomainAnswer,
    load_dns_config,
    lookup_mail,
    make_resolver,
    offline_answer,
)
from app.golook.trust import (
    NEGATIVE_STATUSES,
    UNTRUSTED_DETAIL,
    forget_judgement,
    is_impossible,
    judge_resolver,
    known_trust,
    mark_untrusted_rows,
    untrusted_answer,
)
from app.timeutil import utcnow
from db import bulk
from db.engine import Database
from db.models import Contact, DomainCheck

if TYPE_CHECKING:  # imported by app.golook.dns_check when DNS is asked
    import dns.resolver

Progress = Callable[[int, int], None]  # (domains done, domains to ask)
Cancelled = Callable[[], bool]

_checks: Table = DomainCheck.__table__  # type: ignore[assignment]
_SAVE_EVERY = 250
# with no network, a big batch would wait out every timeout: after this many failures in a row
# without a single answer, the remaining domains are not asked (they stay "unknown")
GIVE_UP_AFTER = 24


@dataclass
class DomainBatch:
    """What a batch found: an answer for every domain, and how it got it."""

    answers: dict[str, DomainAnswer] = field(default_factory=dict)
    queried: int = 0  # domains asked over the network
    from_cache: int = 0  # fresh answers taken from the cache
    failed: int = 0  # timeouts and errors (an older cached answer may stand in)
    cancelled: bool = False
    gave_up: bool = False  # DNS answered nothing at all: the rest were not asked
    untrusted: bool = False  # the resolver says even gmail.com has no mail: negatives unknown
    distrusted: int = 0  # "does not exist" / "no mail" answers not believed (and not kept)


@dataclass
class ContactsCheck:
    """A batch check of contacts: the domain batch plus the contacts it covered."""

    contact_ids: list[int]
    domains: DomainBatch


def cached_answers(db: Database, domains: Iterable[str]) -> dict[str, DomainAnswer]:
    """Stored answers for these domains (fresh or not), by domain."""
    wanted = list(dict.fromkeys(d for d in domains if d))
    out: dict[str, DomainAnswer] = {}
    with db.session() as s:
        for i in range(0, len(wanted), 900):
            rows = s.execute(
                select(DomainCheck).where(DomainCheck.domain.in_(wanted[i : i + 900]))
            ).scalars()
            for row in rows:
                out[row.domain] = _from_row(row)
    return out


def _from_row(row: DomainCheck) -> DomainAnswer:
    return answer_from_columns(row.domain, row.dns_status, row.mx, row.mail_host, row.checked_at)


def answer_from_columns(
    domain: str, dns_status: str, mx: str | None, mail_host: str | None, checked_at: datetime
) -> DomainAnswer:
    """A cached answer from its stored columns (``mx`` as JSON)."""
    hosts = tuple(json.loads(mx)) if mx else ()
    return DomainAnswer(
        domain, dns_status, hosts, mail_host or "unknown", checked_at, from_cache=True
    )


_COLUMNS = ("domain", "dns_status", "mx", "mail_host", "checked_at")


def save_answers(db: Database, answers: Iterable[DomainAnswer], *, replace: bool = True) -> int:
    """Store the answers that are facts (``replace=False``: only for domains not cached yet);
    returns how many were stored. New rows go in with one executemany at driver level (the
    demo writes 25,000 at once), changed ones with one UPDATE executemany."""
    good = {a.domain: a for a in answers if a.cacheable}
    if not good:
        return 0
    c = _checks.c
    now = utcnow()
    with db.session() as s:
        conn = s.connection()
        domains = list(good)
        existing: set[str] = set()
        for i in range(0, len(domains), 900):
            existing.update(
                conn.execute(select(c.domain).where(c.domain.in_(domains[i : i + 900]))).scalars()
            )
        rows = [
            (a.domain, a.dns_status, _mx_json(a.mx), a.mail_host, a.checked_at or now)
            for a in good.values()
            if replace or a.domain not in existing
        ]
        _insert_rows(conn, [r for r in rows if r[0] not in existing])
        changed = [
            dict(zip(("d", *_COLUMNS[1:]), r, strict=True)) for r in rows if r[0] in existing
        ]
        if changed:
            conn.execute(
                update(_checks)
                .where(c.domain == bindparam("d"))
                .values({k: bindparam(k) for k in _COLUMNS[1:]}),
                changed,
            )
    return len(rows)


def _mx_json(hosts: Sequence[str]) -> str:
    """``json.dumps(list(hosts), ensure_ascii=False)``, without its cost for plain host names."""
    if all(h.isprintable() and '"' not in h and "\\" not in h for h in hosts):
        return "[" + ", ".join(f'"{h}"' for h in hosts) + "]"
    return json.dumps(list(hosts), ensure_ascii=False)


def _insert_rows(conn: Connection, rows: list[tuple[object, ...]]) -> None:
    if not rows:
        return
    if bulk.is_postgresql(conn):
        bulk.copy_rows(conn, _checks, [dict(zip(_COLUMNS, r, strict=True)) for r in rows])
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(_checks), [dict(zip(_COLUMNS, r, strict=True)) for r in rows])
        return
    # straight to the driver, the time stored as SQLAlchemy stores it (its bind processor)
    dialect = conn.dialect
    as_stored = _checks.c.checked_at.type.dialect_impl(dialect).bind_processor(dialect)
    memo: dict[object, object] = {}
    if as_stored is not None:
        for at in {r[4] for r in rows}:
            memo[at] = as_stored(at)
    conn.exec_driver_sql(
        f"INSERT INTO domain_checks ({', '.join(_COLUMNS)}) VALUES (?, ?, ?, ?, ?)",
        [(*r[:4], memo.get(r[4], r[4])) for r in rows],
    )


def is_fresh(answer: DomainAnswer, cache_days: int, now: datetime | None = None) -> bool:
    if answer.checked_at is None:
        return False
    return answer.checked_at + timedelta(days=cache_days) > (now or utcnow())


def check_domains(
    db: Database,
    domains: Iterable[str],
    config: DnsConfig | None = None,
    *,
    refresh: bool = False,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    resolver: dns.resolver.Resolver | None = None,
) -> DomainBatch:
    """Answer for each distinct domain: from the cache while fresh, else from DNS.

    ``refresh`` asks DNS even for fresh answers. Offline, nothing is sent: cached answers (even
    old ones) stand, the rest are ``offline``. "Does not exist" and "no mail" answers are kept
    only once the resolver has shown it sees the canary domains' mail (:mod:`app.golook.trust`).
    """
    config = config or load_dns_config(db)
    wanted = list(dict.fromkeys(d for d in domains if d))
    batch = DomainBatch()
    if not config.offline:
        mark_untrusted_rows(db)  # what an older Winnow kept from a lying resolver
    cache = cached_answers(db, wanted)
    now = utcnow()
    todo: list[str] = []
    for domain in wanted:
        known = cache.get(domain)
        if config.offline:
            batch.answers[domain] = known or offline_answer(domain)
        elif (
            known is not None
            and known.cacheable
            and not refresh
            and is_fresh(known, config.cache_days, now)
        ):
            batch.answers[domain] = known
            batch.from_cache += 1
        else:
            todo.append(domain)
    if not todo:
        return batch
    if resolver is None:
        resolver = make_resolver(config)
    standing = known_trust(resolver)
    trusted: bool | None = standing.trusted if standing is not None else None
    total = len(todo)
    unsaved: list[DomainAnswer] = []
    doubtful: list[DomainAnswer] = []  # negatives waiting for the resolver to be judged
    asked: dict[str, DomainAnswer] = {}  # what this resolver said, for judging it

    def keep(answer: DomainAnswer) -> None:
        batch.answers[answer.domain] = answer
        unsaved.append(answer)
        if len(unsaved) >= _SAVE_EVERY:
            save_answers(db, unsaved)
            unsaved.clear()

    def take(answer: DomainAnswer) -> None:
        batch.queried += 1
        asked[answer.domain] = answer
        if answer.dns_status in NEGATIVE_STATUSES and (
            trusted is not True or is_impossible(answer) or _contradicts(cache, answer)
        ):
            doubtful.append(answer)
        elif answer.cacheable:
            keep(answer)
        else:
            batch.failed += 1
            batch.answers[answer.domain] = _older_or(
                cache.get(answer.domain),
                answer,
                f"new check failed ({answer.detail}); showing the answer from before",
            )
        if progress is not None:
            progress(batch.queried, total)

    def stop() -> bool:
        if cancelled is not None and cancelled():
            batch.cancelled = True
        elif batch.failed >= max(GIVE_UP_AFTER, config.parallel) and batch.failed == batch.queried:
            batch.gave_up = True
        return batch.cancelled or batch.gave_up

    try:
        _run_bounded(resolver, todo, max(1, config.parallel), take, stop)
        if doubtful and resolver is not None:
            # gmail.com "does not exist", or a domain with mail yesterday has none today: the
            # resolver may have started lying since it was judged (the hotel's portal)
            if any(is_impossible(a) or _contradicts(cache, a) for a in doubtful):
                forget_judgement(resolver)
                standing = None
            believed = (standing or judge_resolver(resolver, asked)).trusted
            batch.untrusted = not believed
            for answer in doubtful:
                if believed and not is_impossible(answer):
                    keep(answer)
                else:  # gmail.com "does not exist" is never believed, whoever says it
                    batch.distrusted += 1
                    batch.answers[answer.domain] = _older_or(
                        cache.get(answer.domain),
                        untrusted_answer(answer.domain, answer.checked_at),
                        f"new check not believed, {UNTRUSTED_DETAIL}; showing the answer from "
                        "before",
                    )
    finally:
        save_answers(db, unsaved)
    if batch.gave_up:
        for domain in todo:
            if domain not in batch.answers:
                older = cache.get(domain)
                batch.answers[domain] = (
                    older
                    if older is not None and older.cacheable
                    else DomainAnswer(domain, "timeout", detail="DNS did not answer; not asked")
                )
    return batch


def _contradicts(cache: Mapping[str, DomainAnswer], answer: DomainAnswer) -> bool:
    """A negative answer for a domain the cache knows with mail hosts."""
    older = cache.get(answer.domain)
    return older is not None and older.dns_status == "ok"


def _older_or(older: DomainAnswer | None, answer: DomainAnswer, detail: str) -> DomainAnswer:
    """An older fact beats "unknown" (the new answer's trouble goes with it as its detail)."""
    if older is not None and older.cacheable:
        return replace(older, detail=detail)
    return answer


def _run_bounded(
    resolver: dns.resolver.Resolver | None,
    todo: Sequence[str],
    parallel: int,
    take: Callable[[DomainAnswer], None],
    stop: Callable[[], bool],
) -> None:
    """Keep at most ``parallel`` lookups running; stop feeding new ones once told to."""
    pending = deque(todo)
    running: set[Future[DomainAnswer]] = set()
    with ThreadPoolExecutor(
        max_workers=min(parallel, len(todo)), thread_name_prefix="winnow-dns"
    ) as pool:
        while pending or running:
            if pending and stop():
                pending.clear()
            while pending and len(running) < parallel:
                running.add(pool.submit(lookup_mail, resolver, pending.popleft()))
            if not running:
                break
            done, running = _wait_some(running)
            for future in done:
                take(future.result())


def _wait_some(
    running: set[Future[DomainAnswer]],
) -> tuple[set[Future[DomainAnswer]], set[Future[DomainAnswer]]]:
    done, not_done = wait(running, timeout=0.25, return_when=FIRST_COMPLETED)
    return set(done), set(not_done)


def contact_domains(db: Database, contact_ids: Sequence[int] | None) -> list[str]:
    """Distinct registrable domains of these contacts' addresses (all contacts when None);
    invalid addresses are left out — there is nothing to ask DNS about."""
    base = (
        select(Contact.domain)
        .distinct()
        .where(
            Contact.domain.is_not(None),
            Contact.domain_class.is_not(None),
            Contact.domain_class != "invalid",
        )
    )
    found: set[str] = set()
    with db.session() as s:
        if contact_ids is None:
            found.update(d for d in s.scalars(base) if d)
        else:
            ids = list(contact_ids)
            for i in range(0, len(ids), 900):
                found.update(
                    d for d in s.scalars(base.where(Contact.id.in_(ids[i : i + 900]))) if d
                )
    return sorted(found)


def check_contacts(
    db: Database,
    contact_ids: Sequence[int] | None,
    config: DnsConfig | None = None,
    *,
    refresh: bool = False,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ContactsCheck:
    """Check the mail of these contacts' domains (all contacts when None), each domain once,
    then bring their stored go-look columns (domain class, persona fit) up to date."""
    from app.golook.derived import announce_contacts, refresh_golook_columns

    config = config or load_dns_config(db)
    domains = contact_domains(db, contact_ids)
    batch = check_domains(
        db, domains, config, refresh=refresh, progress=progress, cancelled=cancelled
    )
    ids = list(contact_ids) if contact_ids is not None else None
    refresh_golook_columns(db, ids, announce=False)
    announce_contacts(db, ids)  # their cached answers, and the columns that follow them
    with db.session() as s:
        if ids is None:
            ids = list(s.scalars(select(Contact.id).order_by(Contact.id)))
    return ContactsCheck(ids, batch)


def answers_for(
    db: Database, domains: Iterable[str], extra: Mapping[str, DomainAnswer] | None = None
) -> dict[str, DomainAnswer]:
    """Cached answers overlaid with fresher ones from a batch just run (no network)."""
    out = cached_answers(db, domains)
    if extra:
        out.update({d: a for d, a in extra.items() if d in out or not a.from_cache})
    return out

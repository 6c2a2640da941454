"""Everything "go look, go see" knows about a contact, and the one-line verdict.

Built from the address (offline), the cached DNS answer for its registrable domain (or a batch's
fresh answers), the website field, and the personas. No network here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus, urlsplit

from sqlalchemy import select

from app.golook.badges import ADDRESS_BADGES, address_badge
from app.golook.checks import cached_answers
from app.golook.classify import (
    AddressEvidence,
    classify_address,
    on_free_mail_list,
    registrable_domain,
)
from app.golook.derived import domain_overrides_in
from app.golook.dns_check import DomainAnswer
from app.golook.mailhost import mail_host_label
from app.golook.persona_store import personas_in
from app.golook.personas import ContactFacts, Persona, PersonaFit, best_fit
from app.golook.trust import NEGATIVE_STATUSES, UNTRUSTED, UNTRUSTED_DETAIL, untrusted_answer
from app.links import UnsafeLink, web_address
from app.timeutil import iso
from db.engine import Database
from db.models import Contact

SEARCH_URL = "https://duckduckgo.com/?q={query}"

# the badge of each class, as the list shows it (one derivation: ``app.golook.badges``)
CLASS_LABELS = {key: badge.label for key, badge in ADDRESS_BADGES.items() if key is not None}


@dataclass(frozen=True)
class GoLook:
    """The evidence for one contact (the ``winnow check --json`` object)."""

    id: int
    email: str | None
    address: AddressEvidence
    dns: DomainAnswer | None  # None: no domain to ask about, or not checked yet
    website: str | None  # the site to open: the website field, else https://<branded domain>
    website_domain: str | None
    domain_mismatch: bool  # branded e-mail domain differs from the website's domain
    search_url: str | None
    persona: PersonaFit | None
    verdict: str

    @property
    def mail_host_label(self) -> str:
        return mail_host_label(self.dns.mail_host if self.dns else None)

    def to_json(self) -> dict[str, Any]:
        a, d = self.address, self.dns
        return {
            "id": self.id,
            "email": self.email,
            "valid": a.valid,
            "normalized_email": a.normalized_email,
            "invalid_reason": a.reason,
            "domain": a.domain,
            "registrable_domain": a.registrable_domain,
            "domain_class": a.domain_class,
            "domain_class_overridden": a.overridden,
            "typo_of": a.typo_of,
            "role_account": a.role_account,
            "dns_status": d.dns_status if d else None,
            "dns_detail": d.detail if d else None,
            "mx": list(d.mx) if d else [],
            "mail_host": d.mail_host if d else None,
            "website": self.website,
            "website_domain": self.website_domain,
            "domain_mismatch": self.domain_mismatch,
            "search_url": self.search_url,
            "persona": self.persona.to_json() if self.persona else None,
            "verdict": self.verdict,
            "checked_at": iso(d.checked_at) if d and d.checked_at and d.cacheable else None,
        }


@dataclass(frozen=True)
class _Row:
    id: int
    email: str | None
    company: str | None
    city: str | None
    website: str | None
    facts: ContactFacts


def golook_for_contacts(
    db: Database,
    contact_ids: Sequence[int],
    answers: Mapping[str, DomainAnswer] | None = None,
) -> list[GoLook]:
    """Evidence for these contacts (in the given order; unknown ids are skipped). ``answers``
    (from a batch just run) take precedence over the cache; no network is used."""
    ids = list(dict.fromkeys(contact_ids))
    rows: dict[int, _Row] = {}
    with db.session() as s:
        overrides = domain_overrides_in(s)
        personas = personas_in(s)
        for i in range(0, len(ids), 900):
            for r in s.execute(
                select(
                    Contact.id,
                    Contact.email,
                    Contact.company,
                    Contact.city,
                    Contact.website,
                    Contact.title,
                    Contact.industry,
                    Contact.company_size,
                    Contact.country,
                ).where(Contact.id.in_(ids[i : i + 900]))
            ):
                rows[r[0]] = _Row(
                    r[0], r[1], r[2], r[3], r[4], ContactFacts(r[5], r[6], r[7], r[8], None)
                )
    evidence = {cid: classify_address(row.email, overrides) for cid, row in rows.items()}
    domains = {e.registrable_domain for e in evidence.values() if e.valid and e.registrable_domain}
    known = dict(answers or {})
    missing = [d for d in domains if d not in known]
    known.update(cached_answers(db, missing))
    out = []
    for cid in ids:
        row = rows.get(cid)
        if row is None:
            continue
        ev = evidence[cid]
        dns_answer = known.get(ev.registrable_domain or "") if ev.valid else None
        out.append(
            build_golook(
                row.id,
                row.email,
                ev,
                dns_answer,
                row.website,
                row.company,
                row.city,
                row.facts,
                personas,
            )
        )
    return out


def golook_for_contact(db: Database, contact_id: int) -> GoLook:
    from app.errors import UnknownContact

    found = golook_for_contacts(db, [contact_id])
    if not found:
        raise UnknownContact(contact_id)
    return found[0]


def build_golook(
    contact_id: int,
    email: str | None,
    ev: AddressEvidence,
    dns_answer: DomainAnswer | None,
    website_field: str | None,
    company: str | None,
    city: str | None,
    facts: ContactFacts,
    personas: Sequence[Persona],
) -> GoLook:
    dns_answer = believable(ev, dns_answer)
    website, site_domain = website_to_open(website_field, ev)
    mismatch = bool(
        ev.domain_class == "branded"
        and website_field
        and site_domain
        and ev.registrable_domain
        and site_domain != ev.registrable_domain
    )
    fit = best_fit(
        personas,
        ContactFacts(
            facts.title, facts.industry, facts.company_size, facts.country, ev.domain_class
        ),
    )
    search = search_url(company, city, ev)
    partial = GoLook(
        contact_id, email, ev, dns_answer, website, site_domain, mismatch, search, fit, ""
    )
    return GoLook(
        contact_id,
        email,
        ev,
        dns_answer,
        website,
        site_domain,
        mismatch,
        search,
        fit,
        verdict_of(partial),
    )


def believable(ev: AddressEvidence, dns_answer: DomainAnswer | None) -> DomainAnswer | None:
    """The known lists come before DNS: a free-mail provider (gmail.com) that "does not exist"
    or "takes no mail" says the DNS server lies, so that answer is unknown."""
    if (
        dns_answer is not None
        and dns_answer.dns_status in NEGATIVE_STATUSES
        and ev.registrable_domain
        and on_free_mail_list(ev.registrable_domain)
    ):
        return untrusted_answer(dns_answer.domain, dns_answer.checked_at)
    return dns_answer


def website_to_open(
    website_field: str | None, ev: AddressEvidence
) -> tuple[str | None, str | None]:
    """(URL, its registrable domain): the website field, else the branded e-mail domain.

    A stored value that is not a web address (saved before :mod:`app.links` checked them) is
    passed on as it is, with no domain: the opener refuses it and says why."""
    if website_field and website_field.strip():
        text = website_field.strip()
        try:
            url = web_address(text)
        except UnsafeLink:
            return text, None
        host = urlsplit(url).hostname
        return url, registrable_domain(host) if host else None
    if ev.domain_class == "branded" and ev.registrable_domain:
        return f"https://{ev.registrable_domain}", ev.registrable_domain
    return None, None


def search_url(company: str | None, city: str | None, ev: AddressEvidence) -> str | None:
    """A web search for the company (and its city); else for the branded domain."""
    if company and company.strip():
        terms = " ".join(t.strip() for t in (company, city or "") if t and t.strip())
    elif ev.domain_class == "branded" and ev.registrable_domain:
        terms = ev.registrable_domain
    else:
        return None
    return SEARCH_URL.format(query=quote_plus(terms))


def mail_text(dns_answer: DomainAnswer | None) -> str:
    """What DNS says about the mail, in words. Unknown is never "no mail"."""
    if dns_answer is None:
        return "mail host not checked yet"
    status = dns_answer.dns_status
    if status == "ok":
        if dns_answer.mail_host == "other" and dns_answer.mx:
            return f"mail on {dns_answer.mx[0]}"
        return f"mail on {mail_host_label(dns_answer.mail_host)}"
    if status == "no_mx":
        if dns_answer.mail_host == "self":
            return "no MX record; mail goes to the domain's own server"
        return "no mail server (no MX, no address)"
    if status == "null_mx":
        return "domain accepts no mail (null MX)"
    if status == "nxdomain":
        return "domain does not exist"
    if status == UNTRUSTED:
        return f"mail host unknown ({UNTRUSTED_DETAIL})"
    return "mail host unknown"  # timeout, error, offline


def verdict_of(g: GoLook) -> str:
    """One line, e.g. ``Branded · acme-widgets.de · mail on Microsoft 365 · fits "Plant buyer"
    3/4`` or ``Free-mail (gmail.com) · no company domain to look at``; it starts with the
    address badge the list shows."""
    ev = g.address
    label = address_badge(ev.domain_class).label  # the list's badge: both say the same
    parts: list[str] = []
    if ev.domain_class is None:
        parts.append(label)
        if g.website_domain:
            parts.append(f"website {g.website_domain}")
    elif ev.domain_class == "invalid":
        parts.append(f"{label} ({ev.reason.rstrip('.')})" if ev.reason else label)
    elif ev.domain_class == "branded":
        parts += [label, ev.registrable_domain or "", mail_text(g.dns)]
        if g.domain_mismatch:
            parts.append(f"website is on {g.website_domain}")
    else:
        if ev.typo_of:
            parts.append(f"{label} ({ev.registrable_domain} — probably a typo of {ev.typo_of})")
        else:
            parts.append(f"{label} ({ev.registrable_domain})")
        if g.dns is not None and g.dns.dns_status in ("nxdomain", "null_mx", "no_mx"):
            parts.append(mail_text(g.dns))
        if g.website_domain:
            parts.append(f"website {g.website_domain}")
        elif ev.domain_class == "disposable":
            parts.append("a throw-away inbox, no company to look at")
        else:
            parts.append("no company domain to look at")
    if ev.role_account:
        local = (ev.normalized_email or "").split("@", 1)[0]
        parts.append(f"role address ({local}@)")
    if g.persona is not None:
        how = "fits" if g.persona.fit >= 0.5 else "partly fits"
        parts.append(f'{how} "{g.persona.persona}" {g.persona.ratio_text}')
    return " · ".join(p for p in parts if p)


def show_golook(db: Database, contact_id: int) -> dict[str, Any]:
    """``winnow show --json`` extension: the evidence from the cache only (no network)."""
    found = golook_for_contacts(db, [contact_id])
    return {"golook": found[0].to_json() if found else None}


def checked_at_of(g: GoLook) -> datetime | None:
    return g.dns.checked_at if g.dns and g.dns.cacheable else None

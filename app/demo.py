"""A realistic, deterministic demo data set (``winnow demo --contacts N [--seed S]``)."""

from __future__ import annotations

import gc
import random
import re
import unicodedata
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from itertools import accumulate
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Connection, DateTime, Dialect, Table, func, select, text
from sqlalchemy.orm import Session

from app import metrics, scoring
from app.contacts import derived_values
from app.demo_pipeline import contact_plan
from app.golook.classify import quick_domain_class
from app.golook.demo_evidence import write_demo_evidence
from app.golook.personas import ContactFacts, FitsByFact
from app.names import sort_key
from app.timeutil import utcnow
from db import bulk
from db.deferred import DeferredIndexes
from db.engine import Database
from db.models import Activity, BantAnswer, BantCriterion, Contact, Stage, StageChange, Task
from db.times import EPOCH

# country code -> (country, cities, first names, last names, company-name parts, TLD, phone prefix)
PEOPLE: dict[str, tuple[str, list[str], list[str], list[str], list[str], str, str]] = {
    "DE": (
        "Germany",
        ["München", "Hamburg", "Köln", "Stuttgart", "Düsseldorf", "Leipzig"],
        [
            "Jürgen",
            "Anna",
            "Lukas",
            "Sabine",
            "Matthias",
            "Jörg",
            "Katrin",
            "Björn",
            "Ute",
            "Stefan",
        ],
        [
            "Weißmann",
            "Müller",
            "Schäfer",
            "Groß",
            "Köhler",
            "Wagner",
            "Becker",
            "Hoffmann",
            "Krüger",
            "Vogel",
        ],
        ["Maschinenbau", "Antriebstechnik", "Präzisionsteile", "Fördertechnik", "Automation"],
        "de",
        "+49 89 ",
    ),
    "FR": (
        "France",
        ["Lyon", "Toulouse", "Nantes", "Lille", "Grenoble"],
        ["Françoise", "Étienne", "Amélie", "Hélène", "Jérôme", "Benoît", "Céline", "Loïc"],
        ["Lefèvre", "Dubois", "Moreau", "Girard", "Faure", "Bérard", "Rousseau", "Lemaître"],
        ["Industrie", "Équipements", "Systèmes", "Mécanique"],
        "fr",
        "+33 4 ",
    ),
    "TR": (
        "Türkiye",
        ["İstanbul", "İzmir", "Bursa", "Ankara"],
        ["Ayşe", "Mehmet", "Çağla", "Emre", "Gülşen", "Oğuz"],
        ["Öztürk", "Yılmaz", "Şahin", "Çelik", "Doğan", "Kılıç"],
        ["Makine", "Otomasyon", "Endüstri"],
        "com.tr",
        "+90 212 ",
    ),
    "ES": (
        "Spain",
        ["Barcelona", "Valencia", "Bilbao", "Sevilla"],
        ["José", "María", "Íñigo", "Lucía", "Begoña", "Andrés"],
        ["Martínez", "García", "Núñez", "Muñoz", "Ibáñez", "Peña"],
        ["Ingeniería", "Automatización", "Componentes"],
        "es",
        "+34 93 ",
    ),
    "PL": (
        "Poland",
        ["Kraków", "Wrocław", "Gdańsk", "Łódź"],
        ["Łukasz", "Agnieszka", "Paweł", "Małgorzata", "Wojciech"],
        ["Wiśniewski", "Kowalczyk", "Zieliński", "Woźniak", "Dąbrowska"],
        ["Technika", "Systemy", "Napędy"],
        "pl",
        "+48 12 ",
    ),
    "NL": (
        "Netherlands",
        ["Eindhoven", "Rotterdam", "Utrecht"],
        ["Joost", "Femke", "Sanne", "Bram", "Maarten"],
        ["de Vries", "van Dijk", "Jansen", "Bakker", "van den Berg"],
        ["Techniek", "Systems", "Engineering"],
        "nl",
        "+31 40 ",
    ),
    "SE": (
        "Sweden",
        ["Göteborg", "Malmö", "Västerås"],
        ["Søren", "Åsa", "Björn", "Linnéa", "Måns"],
        ["Åkesson", "Lindström", "Ström", "Nyström", "Sjöberg"],
        ["Industri", "Teknik", "Automation"],
        "se",
        "+46 31 ",
    ),
    "GB": (
        "United Kingdom",
        ["Manchester", "Leeds", "Birmingham", "Bristol"],
        ["Oliver", "Charlotte", "Harry", "Emily", "George", "Siobhan"],
        ["Smith", "O'Brien", "Taylor", "Clarke", "Hughes", "Patel"],
        ["Engineering", "Controls", "Industrial"],
        "co.uk",
        "+44 161 ",
    ),
    "US": (
        "United States",
        ["Chicago", "Detroit", "Houston", "Cleveland"],
        ["Michael", "Jennifer", "David", "Ashley", "Robert", "Lakshmi"],
        ["Johnson", "Williams", "Brown", "Nguyen", "Rodriguez", "Kowalski"],
        ["Manufacturing", "Industries", "Automation", "Machine Works"],
        "com",
        "+1 312 ",
    ),
    "GR": (
        "Greece",
        ["Αθήνα", "Θεσσαλονίκη"],
        ["Γιώργος", "Ελένη", "Νίκος"],
        ["Παπαδόπουλος", "Οικονόμου", "Γεωργίου"],
        ["Mechanics", "Systems"],
        "gr",
        "+30 210 ",
    ),
}
COUNTRY_WEIGHTS = {
    "DE": 30,
    "FR": 12,
    "TR": 6,
    "ES": 8,
    "PL": 7,
    "NL": 8,
    "SE": 5,
    "GB": 10,
    "US": 11,
    "GR": 3,
}

COMPANY_PREFIXES = [
    "Alpha",
    "Nord",
    "Süd",
    "Rhein",
    "Atlas",
    "Vega",
    "Orion",
    "Helix",
    "Kessler",
    "Brandt",
    "Lumen",
    "Falk",
    "Stahl",
    "Polar",
    "Quantum",
    "Delta",
    "Krone",
    "Adler",
]
INDUSTRIES = [
    "Machinery",
    "Automotive",
    "Food & beverage",
    "Chemicals",
    "Logistics",
    "Energy",
    "Medical devices",
    "Plastics",
    "Electronics",
    "Packaging",
]
# (title, weight)
TITLES = [
    ("Office clerk", 5),
    ("Purchasing assistant", 6),
    ("Buyer", 8),
    ("Senior buyer", 5),
    ("Maintenance technician", 7),
    ("Process engineer", 8),
    ("Quality engineer", 5),
    ("Production planner", 5),
    ("Plant manager", 5),
    ("Maintenance manager", 6),
    ("Head of purchasing", 4),
    ("Head of engineering", 4),
    ("Operations director", 3),
    ("Technical director", 2),
    ("Managing director", 2),
    ("CEO", 2),
    ("Founder & CEO", 1),
    ("Student", 2),
    ("Sales representative", 3),
    ("Consultant", 3),
]
FREE = [
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "web.de",
    "gmx.de",
    "orange.fr",
    "free.fr",
    "icloud.com",
    "yahoo.es",
    "wp.pl",
    "hotmail.co.uk",
]
DISPOSABLE = ["mailinator.com", "guerrillamail.com", "10minutemail.com", "trashmail.com"]
INVALID = ["{f}.{l}@", "{f}{l}.example", "{f} {l}@{d}", "{f}@@{d}", "{f}.{l}@{d}."]
SOURCES = [
    ("Trade show: Hannover Messe 2026", 30),
    ("Trade show: SPS Nuremberg 2025", 18),
    ("Web form", 20),
    ("Webinar: Predictive maintenance 101", 10),
    ("LinkedIn", 12),
    ("Referral", 5),
    ("Bought list: Industry directory", 5),
]
# final stage -> weight (most Suspect/Inquiry, few Customer)
FINAL = [
    ("suspect", 44),
    ("inquiry", 24),
    ("mql", 10),
    ("sql", 5),
    ("opportunity", 3),
    ("customer", 2),
    ("nurture", 7),
    ("disqualified", 5),
]
PIPELINE = ["suspect", "inquiry", "mql", "sql", "opportunity", "customer"]
DISQUALIFY_REASONS = [
    "No budget",
    "Competitor",
    "Student / job seeker",
    "Wrong industry",
    "No response after 3 attempts",
]


LEGAL_FORMS = ["GmbH", "SAS", "A.Ş.", "S.L.", "Sp. z o.o.", "B.V.", "AB", "Ltd", "Inc.", "A.E."]
ROLES = ["info", "sales", "office", "kontakt", "contact", "vertrieb"]
CONSENT = ["unknown", "unknown", "granted", "granted", "withdrawn"]
NOTES = [
    None,
    None,
    None,
    "Met at the booth; wants a quote for spare parts.",
    "Asked about delivery times to their plant.",
    "Card from the fishbowl.",
]
INQUIRY_NOTES = ["Asked for a price list", "Contact form: spare parts", "Phoned the office", None]


# the demo's well-formed addresses: lower-case ASCII letters, digits, dots and hyphens
_PLAIN_ADDRESS = re.compile(r"[a-z0-9]+(?:[.-][a-z0-9]+)*@[a-z0-9]+(?:[.-][a-z0-9]+)*\.[a-z]{2,}")


@cache
def _ascii(text: str) -> str:
    folded = unicodedata.normalize(
        "NFKD",
        text.replace("ß", "ss")
        .replace("ı", "i")
        .replace("ł", "l")
        .replace("Ł", "L")
        .replace("ø", "o"),
    )
    return "".join(c for c in folded if c.isascii() and (c.isalnum() or c in "-")).lower()


def _pickers(
    rng: random.Random,
) -> tuple[Callable[[Sequence[Any]], Any], Callable[[int, int], int]]:
    """``rng.choice`` and ``rng.randint`` as one call each: the same draws from the same
    random numbers (Python 3.11's ``Random._randbelow_with_getrandbits``), without the two or
    three calls through ``randrange`` and ``_randbelow`` that each makes (a million contacts
    draw about 20 million times)."""
    getrandbits = rng.getrandbits

    def below(n: int) -> int:
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return r

    def choice(seq: Sequence[Any]) -> Any:
        n = len(seq)
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return seq[r]

    def randint(a: int, b: int) -> int:
        return a + below(b - a + 1)

    return choice, randint


def _drawer(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> Callable[[], str]:
    """``rng.choices(population, weights)[0]`` of these (choice, weight) pairs as one call:
    the same draw from the same random number, without the cumulative weights ``choices``
    works out and the checks it makes on every call (a contact draws four times)."""
    population = [p for p, _ in pairs]
    cum_weights = list(accumulate(w for _, w in pairs))
    rand, total, last = rng.random, cum_weights[-1], len(population) - 1

    def draw() -> str:
        return population[bisect(cum_weights, rand() * total, 0, last)]

    return draw


_SECOND = timedelta(seconds=1)


# contacts generated and written at a time (one transaction for the whole demo)
CHUNK = 5000
# contacts handed to the derived-data hooks at a time (their memory grows with the list)
HOOK_CHUNK = 50_000
# the tables a new demo fills with no index but their primary key: each index (and the
# full-text index) is built once over the whole data afterwards, a sort instead of a random
# insert per row, and packed full (``db.deferred``)
HISTORY_TABLES = ("stage_changes", "activities", "tasks")
DEFERRED_TABLES = ("contacts", *HISTORY_TABLES)


def generate_demo(
    db: Database,
    n: int,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> int:
    """Add ``n`` demo contacts with stage history and activities over the last six months.

    One write transaction (all or nothing: a failure leaves the store as it was): the
    contacts, their history, activities, tasks and BANT answers go in by ``executemany``
    (``COPY`` on PostgreSQL), each contact complete — go-look columns, deal, score,
    sales-readiness and follow-up times worked out before it is written, as the hooks would
    (``app.scoring.NewScores``): a row updated after it went in grows out of its full page,
    which splits in two half-empty ones —, then go look's evidence. Into a SQLite store
    without contacts the indexes of those tables and the full-text index are built after the
    data: one sort each instead of a random insert per row, and packed full."""
    # no cyclic garbage collection while the demo's rows are made: they hold no cycles and
    # are freed chunk by chunk, but each collection walked every object alive (the imported
    # modules, the companies and domains of a million contacts), a tenth of the demo's CPU
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(db, n, seed, progress, now)
    finally:
        if collecting:
            gc.enable()


def _generate(
    db: Database,
    n: int,
    seed: int,
    progress: Callable[[int, int], None] | None,
    now: datetime | None,
) -> int:
    rng = random.Random(seed)
    # the last noon before now: every demo time is in the past (a noon still to come put
    # today's activities ahead of the clock, and a new entry sorted below them, until 12:00)
    moment = now or utcnow()
    anchor = moment.replace(hour=12, minute=0, second=0, microsecond=0)
    if anchor > moment:
        anchor -= timedelta(days=1)
    with db.write_session() as s:
        conn = s.connection()
        stage_ids = {str(k): int(i) for k, i in conn.execute(select(Stage.key, Stage.id))}
        new_ids = _new_contact_ids(s, n)
        criteria = [
            (int(i), str(k))
            for i, k in conn.execute(
                select(BantCriterion.id, BantCriterion.key).order_by(
                    BantCriterion.position, BantCriterion.id
                )
            )
        ]
        # the answers and deals: their own random sequence, contact by contact in the order
        # of the ids (app.demo_pipeline)
        plan = _Plan(
            random.Random(seed),
            criteria,
            scoring.NewScores.read(s),
            {i: k for k, i in stage_ids.items()},
        )
        people = _People(rng, n, anchor, stage_ids, _Fit.read(s), plan)
        later: list[int] = []  # written without scores: their rescore moves them
        deferred = DeferredIndexes.take(conn, DEFERRED_TABLES) if n and _new_store(conn) else None
        # a new store's metrics are derived from every contact at the end: the rows need not
        # name their contacts in the metrics' log as they go in (a trigger's insert a row)
        unlogged = _unlog(conn) if deferred is not None else []
        done = 0
        while done < n:
            batch = min(CHUNK, n - done)
            chunk = people.make(new_ids[done : done + batch])
            _insert(conn, Contact, chunk.contacts)
            _insert(conn, StageChange, chunk.changes)
            _insert(conn, Activity, chunk.activities)
            # a next-action date is the first open task (app.todo)
            _insert(conn, Task, chunk.tasks)
            _insert(conn, BantAnswer, chunk.answers)
            later.extend(chunk.later)
            done += batch
            if progress:
                progress(done, n)
        if bulk.is_postgresql(conn):
            # the planner's count of the contacts, as of now: it took those of a new store for
            # one row and matched each batch of a few thousand scores to them by hashing all
            # 100,000, 24 times over (4-5 s). The id column only: cheap, no full-text vectors
            conn.exec_driver_sql("ANALYZE contacts (id)")
        if deferred is not None:
            deferred.restore(conn, HISTORY_TABLES)  # read by contact from here on
        # the few whose rescore moves them on (none with the default settings)
        for i in range(0, len(later), HOOK_CHUNK):
            scoring.rescore_contacts(s, later[i : i + HOOK_CHUNK])
        # go look's evidence, as if Check all had run: a new user sees verdicts at once
        write_demo_evidence(db, people.mail_domains, now)
        if deferred is not None:
            deferred.restore(conn, ("contacts",))
        for sql in unlogged:
            conn.exec_driver_sql(sql)
        # the metrics' derived rows, made once from the whole history
        metrics.derive_now(s, every_contact=bool(unlogged))
    return n


@dataclass
class _Fit:
    """The go-look columns of a new demo contact, worked out as ``app.golook.derived`` would
    (its domain class, with the user's domain overrides; the best-fitting persona), so that
    each row is written once, complete."""

    fits: FitsByFact
    overrides: dict[str, str]
    verdicts: dict[tuple[Any, ...], tuple[str | None, float | None]] = field(default_factory=dict)

    @classmethod
    def read(cls, s: Session) -> _Fit:
        from app.golook.derived import domain_overrides_in
        from app.golook.persona_store import ensure_default_personas_in, personas_in

        ensure_default_personas_in(s)
        return cls(FitsByFact(personas_in(s)), domain_overrides_in(s))

    def columns(self, values: dict[str, Any], derived: dict[str, Any]) -> dict[str, Any]:
        domain, domain_class = derived.get("domain"), derived.get("domain_class")
        if domain and domain in self.overrides and domain_class not in (None, "invalid"):
            domain_class = self.overrides[domain]
        key = (
            values["title"],
            values["industry"],
            values["company_size"],
            values["country"],
            domain_class,
        )
        verdict = self.verdicts.get(key)
        if verdict is None:
            verdict = self.verdicts[key] = self.fits.name_and_fit(ContactFacts(*key))
        return {"domain_class": domain_class, "persona_name": verdict[0], "persona_fit": verdict[1]}


@dataclass
class _Chunk:
    # rows by column name (Any: read back without a cast, a call each, on every row)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    later: list[int] = field(default_factory=list)  # to be rescored once written


# the columns the rescore fills, empty until it does
SCORED_COLUMNS: dict[str, object] = {
    "score": None,
    "sales_ready": False,
    "received_at": None,
    "response_due_at": None,
    "first_response_at": None,
}


@dataclass
class _Plan:
    """Each new contact's answers and deal (``app.demo_pipeline.contact_plan``) and then its
    score, sales-readiness and follow-up times (``app.scoring.NewScores``), before it is
    written."""

    rng: random.Random
    criteria: list[tuple[int, str]]
    scores: scoring.NewScores
    keys: dict[int, str]  # stage id -> key

    def complete(self, out: _Chunk) -> None:
        """Fill in the chunk's contacts (made, not written yet) and its answers."""
        acts: dict[int, list[tuple[str, datetime]]] = {}
        for a in out.activities:
            acts.setdefault(a["contact_id"], []).append((a["type"], a["at"]))
        keys = self.keys
        reached: dict[int, dict[str, datetime]] = {}
        inquiry: dict[int, list[datetime]] = {}
        for ch in out.changes:  # in the order of the contacts and of their moves
            cid, key, at = ch["contact_id"], keys[ch["to_stage_id"]], ch["at"]
            reached.setdefault(cid, {}).setdefault(key, at)
            if key == "inquiry":
                inquiry.setdefault(cid, []).append(at)
        answers: dict[int, list[tuple[int, str]]] = {}
        for c in out.contacts:
            cid = c["id"]
            given, deal = contact_plan(
                self.rng, self.criteria, reached.get(cid, {}), keys[c["stage_id"]]
            )
            if given:
                answers[cid] = [(crit, answer) for crit, answer, _at in given]
                out.answers.extend(
                    {
                        "contact_id": cid,
                        "criterion_id": crit,
                        "answer": answer,
                        "note": None,
                        "updated_at": at,
                    }
                    for crit, answer, at in given
                )
            c["deal_amount"], c["expected_close_at"] = deal if deal is not None else (None, None)
        values, later = self.scores.work_out(out.contacts, acts, answers, inquiry)
        for c in out.contacts:
            c.update(SCORED_COLUMNS)
            c.update(values.get(c["id"], ()))
        out.later.extend(later)


class _People:
    """The demo's people, made chunk by chunk from one random sequence (the same seed gives
    the same people, whatever the chunk size)."""

    def __init__(
        self,
        rng: random.Random,
        n: int,
        anchor: datetime,
        stage_ids: dict[str, int],
        fit: _Fit,
        plan: _Plan,
    ) -> None:
        self.fit = fit
        self.plan = plan
        self.rng = rng
        self.anchor = anchor
        self.stage_ids = stage_ids
        self.countries = list(COUNTRY_WEIGHTS)
        self.choice, self.randint = _pickers(rng)
        self.country = _drawer(rng, list(COUNTRY_WEIGHTS.items()))
        self.title, self.final, self.source = (_drawer(rng, p) for p in (TITLES, FINAL, SOURCES))
        choice = self.choice
        self.companies: dict[str, list[tuple[str, str, str, int]]] = {}
        for code in self.countries:
            tld = PEOPLE[code][5]
            comps = []
            for i in range(max(8, n // 40)):
                part = choice(PEOPLE[code][4])
                prefix = choice(COMPANY_PREFIXES)
                name = f"{prefix} {part} {LEGAL_FORMS[self.countries.index(code)]}"
                domain = f"{_ascii(prefix)}-{_ascii(part)}{i if i > 9 else ''}.{tld}"
                size = choice([8, 15, 25, 40, 60, 120, 250, 600, 1500, 5000])
                comps.append((name, domain, choice(INDUSTRIES), size))
            self.companies[code] = comps
        # registrable domain -> (class, country): their mail hosts are cached at the end
        self.mail_domains: dict[str, tuple[str | None, str | None]] = {}
        self._names: dict[tuple[str, str], tuple[str, str]] = {}
        self._domains: dict[str, tuple[str | None, str | None]] = {}
        self._other_emails: dict[str | None, dict[str, Any]] = {}

    def make(self, ids: Sequence[int]) -> _Chunk:
        rng, anchor, stage_ids = self.rng, self.anchor, self.stage_ids
        choice, randint = self.choice, self.randint
        draw_country, draw_title, draw_final = self.country, self.title, self.final
        draw_source = self.source
        out = _Chunk()
        for cid in ids:
            code = draw_country()
            country, cities, firsts, lasts, _parts, _tld, phone_prefix = PEOPLE[code]
            first, last = choice(firsts), choice(lasts)
            company, cdomain, industry, size = choice(self.companies[code])
            title = draw_title()
            r = rng.random()
            fa, la = _ascii(first) or "x", _ascii(last) or "y"
            if r < 0.60:
                email = f"{fa}.{la}@{cdomain}"
            elif r < 0.66:
                email = f"{choice(ROLES)}@{cdomain}"
            elif r < 0.89:
                email = f"{fa}.{la}{randint(1, 99)}@{choice(FREE)}"
            elif r < 0.93:
                email = f"{fa}{randint(100, 999)}@{choice(DISPOSABLE)}"
            elif r < 0.96:
                email = choice(INVALID).format(f=fa, l=la, d=cdomain)
            else:
                email = ""
            has_company = r < 0.66 or rng.random() < 0.5
            created = (
                anchor - timedelta(days=rng.uniform(0, 182), minutes=randint(0, 600))
            ).replace(microsecond=0)
            final = draw_final()
            values: dict[str, object] = {
                "first_name": first,
                "last_name": last,
                "email": email or None,
                "phone": f"{phone_prefix}{randint(1000000, 9999999)}"
                if rng.random() < 0.7
                else None,
                "company": company if has_company else None,
                "title": title if rng.random() < 0.9 else None,
                "website": f"https://www.{cdomain}" if has_company and rng.random() < 0.5 else None,
                "city": choice(cities),
                "country": country,
                "industry": industry if has_company else None,
                "company_size": size if has_company and rng.random() < 0.6 else None,
                "source": draw_source(),
            }
            derived = self._derived(first, last, email or None)
            if derived.get("domain") and derived.get("domain_class") != "invalid":
                self.mail_domains.setdefault(
                    str(derived["domain"]), (derived["domain_class"], country)
                )
            if not derived.get("name"):
                derived["name"] = company
                derived["sort_name"] = sort_key(company)
            derived.update(self.fit.columns(values, derived))
            path = _path(rng, final, choice)
            # days between the moves; a path that would run past now is spread over the time
            # since the contact came (clamped at now, hundreds of moves fell on one noon: a
            # spike in every chart of the last week)
            gaps = [rng.uniform(0.2, 20) for _ in path[1:]]
            room = (anchor - created).total_seconds() / 86400 * 0.95
            if sum(gaps) > room:
                gaps = [g * room / sum(gaps) for g in gaps]
            times = [created]
            for gap in gaps:
                times.append((times[-1] + timedelta(days=gap)).replace(microsecond=0))
            out.contacts.append(
                {
                    **values,
                    **derived,
                    "id": cid,
                    "stage_id": stage_ids[path[-1]],
                    "stage_changed_at": times[-1],
                    "created_at": created,
                    "updated_at": times[-1],
                    "consent": choice(CONSENT),
                    "notes": choice(NOTES),
                    "next_action_at": None,
                }
            )
            if final in ("inquiry", "mql", "sql", "opportunity") and rng.random() < 0.5:
                next_action = anchor + timedelta(days=randint(-5, 20))
                out.contacts[-1]["next_action_at"] = next_action
                out.tasks.append(
                    {
                        "contact_id": cid,
                        "title": "Follow up",
                        "kind": "call",
                        "due_at": next_action,
                        "created_at": anchor,
                    }
                )
            self._history(out, cid, path, times)
        self.plan.complete(out)
        return out

    def _derived(self, first: str, last: str, email: str | None) -> dict[str, Any]:
        """``app.contacts.derived_values`` of a demo person (the name part remembered: the
        demo has a few hundred names)."""
        named = self._names.get((first, last))
        if named is None:
            named = self._names[(first, last)] = _named(first, last)
        out: dict[str, Any] = {"name": named[0], "sort_name": named[1]}
        domain = email.rpartition("@")[2] if email and _PLAIN_ADDRESS.fullmatch(email) else None
        if domain is None:  # none, or one the demo made invalid (a few hundred repeat)
            other = self._other_emails.get(email)
            if other is None:
                other = self._other_emails[email] = derived_values({"email": email})
            out.update(other)
            return out
        # a plain ASCII address: its class is its domain's (app.golook.classify's quick path)
        known = self._domains.get(domain)
        if known is None:
            known = self._domains[domain] = quick_domain_class(email)
        out["email_normalized"] = None  # its own normalised form (trimmed, lower case; 0021)
        out["domain"], out["domain_class"] = known
        return out

    def _history(self, out: _Chunk, cid: int, path: list[str], times: list[datetime]) -> None:
        rng, anchor, stage_ids, choice = self.rng, self.anchor, self.stage_ids, self.choice
        prev = None
        for step, (key, at) in enumerate(zip(path, times, strict=True)):
            reason = None
            if key == "disqualified":
                reason = choice(DISQUALIFY_REASONS)
            elif step == 0:
                reason = "Demo data"
            out.changes.append(
                {
                    "contact_id": cid,
                    "from_stage_id": prev,
                    "to_stage_id": stage_ids[key],
                    "at": at,
                    "reason": reason,
                    "automatic": False,
                }
            )
            prev = stage_ids[key]
            acts = out.activities
            if key == "inquiry":
                acts.append(_activity(cid, "inquiry-received", at, choice(INQUIRY_NOTES)))
                if rng.random() < 0.65:  # about a third of inquiries never answered
                    reply = at + timedelta(hours=choice([1, 3, 6, 20, 30, 70]))
                    if reply <= anchor:
                        acts.append(_activity(cid, choice(["email-sent", "call"]), reply))
            elif key == "mql" and rng.random() < 0.6:
                kind = choice(["content-downloaded", "webinar-attended"])
                acts.append(_activity(cid, kind, at))
            elif key == "sql":
                acts.append(_activity(cid, choice(["demo-requested", "asked-for-sales"]), at))
            elif key == "opportunity":
                acts.append(_activity(cid, "meeting", at, "Quote sent"))


def _activity(cid: int, kind: str, at: datetime, note: str | None = None) -> dict[str, object]:
    return {"contact_id": cid, "type": kind, "at": at, "note": note}


def _named(first: str, last: str) -> tuple[str, str]:
    name = str(derived_values({"first_name": first, "last_name": last})["name"])
    return name, sort_key(name)


# the triggers that name a contact in the metrics' log (app.aggregates) for each new stage
# change and answer: 250,000 inserts into the log at 100,000 contacts, and their deletes
METRIC_LOG_TRIGGERS = ("metric_dirty_stage_changes_ins", "metric_dirty_bant_answers_ins")


def _unlog(conn: Connection) -> list[str]:
    """Drop the insert triggers of the metrics' log (SQLite) in this transaction; returns
    their statements, to create them again once the demo's rows are in."""
    if conn.dialect.name != "sqlite":
        return []
    names = ", ".join(f"'{t}'" for t in METRIC_LOG_TRIGGERS)
    found = conn.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})"
    ).all()
    for name, _sql in found:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    return [str(sql) for _name, sql in found]


def _new_store(conn: Connection) -> bool:
    """A store without contacts (its indexes may be built after the demo's data); on
    PostgreSQL one whose tables this role owns (dropping an index takes the owner)."""
    if conn.exec_driver_sql("SELECT 1 FROM contacts LIMIT 1").first() is not None:
        return False
    if conn.dialect.name != "postgresql":
        return True
    tables = ", ".join(f"'{t}'" for t in DEFERRED_TABLES)
    owned = conn.exec_driver_sql(
        "SELECT bool_and(pg_has_role(current_user, relowner, 'USAGE')) FROM pg_class"
        f" WHERE relname IN ({tables}) AND relnamespace = current_schema()::regnamespace"
    ).scalar()
    return bool(owned)


# rows of at most NARROW columns go in ROWS_A_STATEMENT at a time (SQLite): 193,000 moves of
# the 100,000-contact demo in 0.39 s of CPU instead of 0.66 s (load 14)
NARROW = 8
ROWS_A_STATEMENT = 50


def _insert(conn: Connection, model: Any, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    table = cast(Table, model.__table__)
    if bulk.is_postgresql(conn):  # one COPY (executemany: a statement a row)
        bulk.copy_rows(conn, table, rows)
        return
    columns, values = _sqlite_rows(table, rows, conn.dialect)
    names = ", ".join(f'"{c}"' for c in columns)
    row = f"({', '.join('?' for _ in columns)})"
    insert = f'INSERT INTO "{table.name}" ({names}) VALUES '
    # a narrow row (history, activities, tasks, answers) costs its statement's run about as
    # much as its values: ROWS_A_STATEMENT of them go in by each (ids in the same order)
    whole = len(values) - len(values) % ROWS_A_STATEMENT if len(columns) <= NARROW else 0
    if whole:
        flat = [
            tuple(v for r in values[i : i + ROWS_A_STATEMENT] for v in r)
            for i in range(0, whole, ROWS_A_STATEMENT)
        ]
        conn.exec_driver_sql(insert + ", ".join([row] * ROWS_A_STATEMENT), flat)
    if whole < len(values):
        conn.exec_driver_sql(insert + row, values[whole:])


def _sqlite_rows(
    table: Table, rows: list[dict[str, object]], dialect: Dialect
) -> tuple[list[str], list[tuple[object, ...]]]:
    """The columns and value tuples of ``rows`` (dicts with the same keys) as SQLAlchemy's
    INSERT would send them to SQLite: scalar Python-side defaults filled in, times as its
    bind processor stores them (``db.times``), without its per-row processing."""
    given = list(rows[0])
    defaults: dict[str, object] = {}
    for col in table.columns:
        default = col.default
        if col.name not in given and default is not None and getattr(default, "is_scalar", False):
            defaults[col.name] = default.arg  # type: ignore[attr-defined]
    columns = given + list(defaults)
    times = [
        (i, process)
        for i, c in enumerate(given)
        if isinstance(table.c[c].type, DateTime)
        and (process := table.c[c].type.dialect_impl(dialect).bind_processor(dialect))
    ]
    extra = tuple(defaults.values())
    pick = itemgetter(*given)
    values: list[tuple[object, ...]] = []
    for r in rows:
        row = list(pick(r)) if len(given) > 1 else [r[given[0]]]
        for i, process in times:
            when: Any = row[i]
            if when is not None:
                # a demo time (naive, whole seconds) as db.times stores it, in two C calls
                row[i] = (
                    (when - EPOCH) // _SECOND
                    if type(when) is datetime and when.tzinfo is None and not when.microsecond
                    else process(when)
                )
        values.append((*row, *extra))
    return columns, values


def _new_contact_ids(s: Session, n: int) -> list[int]:
    """Ids for ``n`` new contacts, given explicitly so their history can point at them. On
    PostgreSQL they come from the id sequence (explicit ids would not advance it)."""
    if s.get_bind().dialect.name == "postgresql":
        seq = "SELECT nextval(pg_get_serial_sequence('contacts', 'id')) FROM generate_series(1, :n)"
        return [int(i) for i in s.execute(text(seq), {"n": n}).scalars()]
    first = int(s.scalar(select(func.max(Contact.id))) or 0) + 1
    return list(range(first, first + n))


def _path(
    rng: random.Random, final: str, choice: Callable[[Sequence[Any]], Any] | None = None
) -> list[str]:
    """The stages a contact went through to reach ``final`` (some skip Suspect)."""
    if final in PIPELINE:
        path = PIPELINE[: PIPELINE.index(final) + 1]
    else:
        reached = (choice or rng.choice)(["suspect", "inquiry", "inquiry", "mql", "sql"])
        path = [*PIPELINE[: PIPELINE.index(reached) + 1], final]
    if len(path) > 1 and path[0] == "suspect" and rng.random() < 0.3:
        path = path[1:]  # came in as an inquiry straight away
    return path

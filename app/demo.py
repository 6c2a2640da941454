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
from itertools import accumulate, chain
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
            _insert(conn, Contact, CONTACT_COLUMNS, chunk.contacts)
            _insert(conn, StageChange, CHANGE_COLUMNS, chunk.changes)
            _insert(conn, Activity, ACTIVITY_COLUMNS, chunk.activities)
            _insert(conn, Task, TASK_COLUMNS, chunk.tasks)
            _insert(conn, BantAnswer, ANSWER_COLUMNS, chunk.answers)
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

    def columns(
        self,
        title: str | None,
        industry: str | None,
        size: int | None,
        country: str,
        domain: str | None,
        domain_class: str | None,
    ) -> tuple[str | None, str | None, float | None]:
        """(domain class, persona name, persona fit) of a contact with these facts."""
        if domain and domain in self.overrides and domain_class not in (None, "invalid"):
            domain_class = self.overrides[domain]
        key = (title, industry, size, country, domain_class)
        verdict = self.verdicts.get(key)
        if verdict is None:
            verdict = self.verdicts[key] = self.fits.name_and_fit(ContactFacts(*key))
        return domain_class, verdict[0], verdict[1]


# the columns of the rows the demo writes, in the order of its tuples (contacts: lists, which
# _Plan completes); SQLite stores a row's values in the table's order whatever the INSERT's
CONTACT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "title",
    "website",
    "city",
    "country",
    "industry",
    "company_size",
    "source",
    "name",
    "sort_name",
    "email_normalized",
    "domain",
    "domain_class",
    "persona_name",
    "persona_fit",
    "stage_id",
    "stage_changed_at",
    "created_at",
    "updated_at",
    "consent",
    "notes",
    "next_action_at",
    # filled in by _Plan: the deal, then what the rescore fills (empty until it does)
    "deal_amount",
    "expected_close_at",
    "score",
    "sales_ready",
    "received_at",
    "response_due_at",
    "first_response_at",
)
_AT = {name: i for i, name in enumerate(CONTACT_COLUMNS)}
_DEAL = _AT["deal_amount"]
_SCORED = _AT["score"]
# the rescore's columns (app.scoring: score, sales_ready, received_at, response_due_at,
# first_response_at) as they are before it fills them
UNSCORED: tuple[object, ...] = (None, False, None, None, None)
CHANGE_COLUMNS = ("contact_id", "from_stage_id", "to_stage_id", "at", "reason", "automatic")
ACTIVITY_COLUMNS = ("contact_id", "type", "at", "note")
TASK_COLUMNS = ("contact_id", "title", "kind", "due_at", "created_at")
ANSWER_COLUMNS = ("contact_id", "criterion_id", "answer", "note", "updated_at")


@dataclass
class _Chunk:
    # rows in the order of their columns (above)
    contacts: list[list[Any]] = field(default_factory=list)
    changes: list[tuple[Any, ...]] = field(default_factory=list)
    activities: list[tuple[Any, ...]] = field(default_factory=list)
    tasks: list[tuple[Any, ...]] = field(default_factory=list)
    answers: list[tuple[Any, ...]] = field(default_factory=list)
    later: list[int] = field(default_factory=list)  # to be rescored once written
    # by contact, for _Plan: when it first reached each stage (key -> time), its moves into
    # Inquiry, its activities (type, time)
    reached: dict[int, dict[str, datetime]] = field(default_factory=dict)
    inquiry: dict[int, list[datetime]] = field(default_factory=dict)
    acts: dict[int, list[tuple[str, datetime]]] = field(default_factory=dict)


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
        keys, rng, criteria, reached = self.keys, self.rng, self.criteria, out.reached
        stage_at, email_at, class_at = _AT["stage_id"], _AT["email"], _AT["domain_class"]
        title_at, fit_at, consent_at = _AT["title"], _AT["persona_fit"], _AT["consent"]
        changed_at = _AT["stage_changed_at"]
        answers: dict[int, list[tuple[int, str]]] = {}
        facts: list[dict[str, Any]] = []  # what NewScores reads of each contact
        for c in out.contacts:
            cid = c[0]
            given, deal = contact_plan(rng, criteria, reached.get(cid, {}), keys[c[stage_at]])
            if given:
                answers[cid] = [(crit, answer) for crit, answer, _at in given]
                out.answers.extend((cid, crit, answer, None, at) for crit, answer, at in given)
            if deal is not None:
                c[_DEAL], c[_DEAL + 1] = deal
            facts.append(
                {
                    "id": cid,
                    "email": c[email_at],
                    "domain_class": c[class_at],
                    "title": c[title_at],
                    "persona_fit": c[fit_at],
                    "consent": c[consent_at],
                    "stage_id": c[stage_at],
                    "stage_changed_at": c[changed_at],
                }
            )
        values, later = self.scores.work_out(facts, out.acts, answers, out.inquiry)
        if values:
            for c in out.contacts:
                mine = values.get(c[0])
                if mine:
                    for column, value in mine.items():
                        c[_AT[column]] = value
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
        # an address's domain -> (registrable domain, class), the companies' known at once
        self._domains: dict[str, tuple[str | None, str | None]] = {}
        self.companies: dict[str, list[tuple[str, str, str, int]]] = {}
        for code in self.countries:
            tld = PEOPLE[code][5]
            comps = []
            for i in range(max(8, n // 40)):
                part = choice(PEOPLE[code][4])
                prefix = choice(COMPANY_PREFIXES)
                name = f"{prefix} {part} {LEGAL_FORMS[self.countries.index(code)]}"
                named = f"{_ascii(prefix)}-{_ascii(part)}"
                domain = f"{named}{i if i > 9 else ''}.{tld}"
                size = choice([8, 15, 25, 40, 60, 120, 250, 600, 1500, 5000])
                comps.append((name, domain, choice(INDUSTRIES), size))
                domain_class = company_domain_class(named, tld)
                if domain_class is not None:
                    self._domains[domain] = (domain, domain_class)
            self.companies[code] = comps
        # registrable domain -> (class, country): their mail hosts are cached at the end
        self.mail_domains: dict[str, tuple[str | None, str | None]] = {}
        self._names: dict[tuple[str, str], tuple[str, str]] = {}
        self._other_emails: dict[str | None, tuple[str | None, str | None, str | None]] = {}

    def make(self, ids: Sequence[int]) -> _Chunk:
        rng, anchor, stage_ids = self.rng, self.anchor, self.stage_ids
        choice, randint, rand = self.choice, self.randint, rng.random
        draw_country, draw_title, draw_final = self.country, self.title, self.final
        draw_source, fit, derive = self.source, self.fit.columns, self._derived
        mail_domains, history = self.mail_domains, self._history
        tasks = (out := _Chunk()).tasks
        contacts = out.contacts
        for cid in ids:
            code = draw_country()
            country, cities, firsts, lasts, _parts, _tld, phone_prefix = PEOPLE[code]
            first, last = choice(firsts), choice(lasts)
            company, cdomain, industry, size = choice(self.companies[code])
            title = draw_title()
            r = rand()
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
            has_company = r < 0.66 or rand() < 0.5
            created = (
                anchor - timedelta(days=rng.uniform(0, 182), minutes=randint(0, 600))
            ).replace(microsecond=0)
            final = draw_final()
            # the draws in the order the contact's columns were always drawn in
            phone = f"{phone_prefix}{randint(1000000, 9999999)}" if rand() < 0.7 else None
            the_title = title if rand() < 0.9 else None
            website = f"https://www.{cdomain}" if has_company and rand() < 0.5 else None
            city = choice(cities)
            the_industry = industry if has_company else None
            the_size = size if has_company and rand() < 0.6 else None
            source = draw_source()
            name, sort_name, normalized, domain, domain_class = derive(first, last, email or None)
            if domain and domain_class != "invalid":
                mail_domains.setdefault(domain, (domain_class, country))
            if not name:
                name, sort_name = company, sort_key(company)
            domain_class, persona, persona_fit = fit(
                the_title, the_industry, the_size, country, domain, domain_class
            )
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
            consent, notes = choice(CONSENT), choice(NOTES)
            next_action = None
            if final in ("inquiry", "mql", "sql", "opportunity") and rand() < 0.5:
                next_action = anchor + timedelta(days=randint(-5, 20))
                # a next-action date is the first open task (app.todo)
                tasks.append((cid, "Follow up", "call", next_action, anchor))
            contacts.append(
                [
                    cid,
                    first,
                    last,
                    email or None,
                    phone,
                    company if has_company else None,
                    the_title,
                    website,
                    city,
                    country,
                    the_industry,
                    the_size,
                    source,
                    name,
                    sort_name,
                    normalized,
                    domain,
                    domain_class,
                    persona,
                    persona_fit,
                    stage_ids[path[-1]],
                    times[-1],
                    created,
                    times[-1],
                    consent,
                    notes,
                    next_action,
                    None,  # deal_amount
                    None,  # expected_close_at
                    *UNSCORED,
                ]
            )
            history(out, cid, path, times)
        self.plan.complete(out)
        return out

    def _derived(
        self, first: str, last: str, email: str | None
    ) -> tuple[str, str, str | None, str | None, str | None]:
        """``app.contacts.derived_values`` of a demo person: (name, sort name, normalised
        address, domain, class). The name part remembered: the demo has a few hundred names."""
        named = self._names.get((first, last))
        if named is None:
            named = self._names[(first, last)] = _named(first, last)
        domain = email.rpartition("@")[2] if email and _PLAIN_ADDRESS.fullmatch(email) else None
        if domain is None:  # none, or one the demo made invalid (a few hundred repeat)
            other = self._other_emails.get(email)
            if other is None:
                values = derived_values({"email": email})
                other = self._other_emails[email] = (
                    values["email_normalized"],
                    values["domain"],
                    values["domain_class"],
                )
            return (*named, *other)
        # a plain ASCII address: its class is its domain's (app.golook.classify's quick path)
        known = self._domains.get(domain)
        if known is None:
            known = self._domains[domain] = quick_domain_class(email)
        # its own normalised form (trimmed, lower case; 0021): none stored
        return named[0], named[1], None, known[0], known[1]

    def _history(self, out: _Chunk, cid: int, path: list[str], times: list[datetime]) -> None:
        rng, anchor, stage_ids, choice = self.rng, self.anchor, self.stage_ids, self.choice
        changes, acts = out.changes, out.activities
        reached: dict[str, datetime] = {}
        mine: list[tuple[str, datetime]] = []
        out.reached[cid] = reached
        prev = None
        for step, (key, at) in enumerate(zip(path, times, strict=True)):
            reason = None
            if key == "disqualified":
                reason = choice(DISQUALIFY_REASONS)
            elif step == 0:
                reason = "Demo data"
            to = stage_ids[key]
            changes.append((cid, prev, to, at, reason, False))
            prev = to
            if key not in reached:
                reached[key] = at
            if key == "inquiry":
                out.inquiry.setdefault(cid, []).append(at)
                note = choice(INQUIRY_NOTES)
                acts.append((cid, "inquiry-received", at, note))
                mine.append(("inquiry-received", at))
                if rng.random() < 0.65:  # about a third of inquiries never answered
                    reply = at + timedelta(hours=choice([1, 3, 6, 20, 30, 70]))
                    if reply <= anchor:
                        kind = choice(["email-sent", "call"])
                        acts.append((cid, kind, reply, None))
                        mine.append((kind, reply))
            elif key == "mql" and rng.random() < 0.6:
                kind = choice(["content-downloaded", "webinar-attended"])
                acts.append((cid, kind, at, None))
                mine.append((kind, at))
            elif key == "sql":
                kind = choice(["demo-requested", "asked-for-sales"])
                acts.append((cid, kind, at, None))
                mine.append((kind, at))
            elif key == "opportunity":
                acts.append((cid, "meeting", at, "Quote sent"))
                mine.append(("meeting", at))
        if mine:
            out.acts[cid] = mine


@cache
def company_domain_class(name: str, tld: str) -> str | None:
    """The go-look class (``quick_domain_class``) of every demo company domain
    ``{name}{digits}.{tld}`` (``name``: ``prefix-part`` in ASCII), worked out once from
    ``{name}.{tld}`` instead of once a company (25,000 at 100,000 contacts, 250,000 at
    1,000,000): the digits change nothing — no free-mail or throw-away list entry, no public
    suffix rule and no free-mail typo depends on them (``tests/app/test_demo.py`` checks every
    prefix, part and top-level domain). None when ``{name}.{tld}`` is not its own registrable
    domain: each company's domain is then classified by itself."""
    domain = f"{name}.{tld}"
    registrable, domain_class = quick_domain_class(f"x@{domain}")
    return domain_class if registrable == domain and domain_class != "invalid" else None


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


def _insert(
    conn: Connection, model: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT ``rows`` (the values of ``columns``, in that order) into the model's table."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    if bulk.is_postgresql(conn):  # one COPY (executemany: a statement a row)
        bulk.copy_lists(conn, table, columns, rows)
        return
    names, values = _sqlite_rows(table, columns, rows, conn.dialect)
    quoted = ", ".join(f'"{c}"' for c in names)
    row = f"({', '.join('?' for _ in names)})"
    insert = f'INSERT INTO "{table.name}" ({quoted}) VALUES '
    # a narrow row (history, activities, tasks, answers) costs its statement's run about as
    # much as its values: ROWS_A_STATEMENT of them go in by each (ids in the same order)
    whole = len(values) - len(values) % ROWS_A_STATEMENT if len(names) <= NARROW else 0
    if whole:
        flat = [
            tuple(chain.from_iterable(values[i : i + ROWS_A_STATEMENT]))
            for i in range(0, whole, ROWS_A_STATEMENT)
        ]
        conn.exec_driver_sql(insert + ", ".join([row] * ROWS_A_STATEMENT), flat)
    if whole < len(values):
        conn.exec_driver_sql(insert + row, values[whole:])


def _sqlite_rows(
    table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]], dialect: Dialect
) -> tuple[list[str], list[tuple[object, ...]]]:
    """The columns and value tuples of ``rows`` (the values of ``columns``) as SQLAlchemy's
    INSERT would send them to SQLite: scalar Python-side defaults filled in, times as its
    bind processor stores them (``db.times``), without its per-row processing."""
    given = list(columns)
    defaults: dict[str, object] = {}
    for col in table.columns:
        default = col.default
        if col.name not in given and default is not None and getattr(default, "is_scalar", False):
            defaults[col.name] = default.arg  # type: ignore[attr-defined]
    times = [
        (i, process)
        for i, c in enumerate(given)
        if isinstance(table.c[c].type, DateTime)
        and (process := table.c[c].type.dialect_impl(dialect).bind_processor(dialect))
    ]
    extra = tuple(defaults.values())
    values: list[tuple[object, ...]] = []
    for r in rows:
        row = list(r)
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
    return given + list(defaults), values


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

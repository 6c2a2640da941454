"""A realistic, deterministic demo data set (``winnow demo --contacts N [--seed S]``)."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, func, insert, select, text
from sqlalchemy.orm import Session

from app import hooks
from app.contacts import derived_values
from app.demo_pipeline import add_demo_pipeline
from app.golook.demo_evidence import write_demo_evidence
from app.names import sort_key
from app.timeutil import utcnow
from db import bulk
from db.engine import Database
from db.models import Activity, Contact, Stage, StageChange, Task

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


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def generate_demo(
    db: Database,
    n: int,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> int:
    """Add ``n`` demo contacts with stage history and activities over the last six months."""
    rng = random.Random(seed)
    anchor = (now or utcnow()).replace(hour=12, minute=0, second=0, microsecond=0)
    with db.session() as s:
        stage_ids = dict(s.execute(select(Stage.key, Stage.id)).all())
        new_ids = _new_contact_ids(s, n)
    countries = list(COUNTRY_WEIGHTS)
    cweights = list(COUNTRY_WEIGHTS.values())
    companies: dict[str, list[tuple[str, str, str, int]]] = {}
    for code in countries:
        tld = PEOPLE[code][5]
        comps = []
        for i in range(max(8, n // 40)):
            part = rng.choice(PEOPLE[code][4])
            prefix = rng.choice(COMPANY_PREFIXES)
            name = f"{prefix} {part} {['GmbH', 'SAS', 'A.Ş.', 'S.L.', 'Sp. z o.o.', 'B.V.', 'AB', 'Ltd', 'Inc.', 'A.E.'][countries.index(code)]}"
            domain = f"{_ascii(prefix)}-{_ascii(part)}{i if i > 9 else ''}.{tld}"
            size = rng.choice([8, 15, 25, 40, 60, 120, 250, 600, 1500, 5000])
            comps.append((name, domain, rng.choice(INDUSTRIES), size))
        companies[code] = comps

    # registrable domain -> (class, country): their mail hosts are cached at the end
    mail_domains: dict[str, tuple[str | None, str | None]] = {}
    done = 0
    chunk = 2000
    while done < n:
        batch = min(chunk, n - done)
        contact_rows: list[dict[str, object]] = []
        change_rows: list[dict[str, object]] = []
        activity_rows: list[dict[str, object]] = []
        for k in range(batch):
            cid = new_ids[done + k]
            code = rng.choices(countries, weights=cweights)[0]
            country, cities, firsts, lasts, _parts, _tld, phone_prefix = PEOPLE[code]
            first, last = rng.choice(firsts), rng.choice(lasts)
            company, cdomain, industry, size = rng.choice(companies[code])
            title = _weighted(rng, TITLES)
            r = rng.random()
            fa, la = _ascii(first) or "x", _ascii(last) or "y"
            if r < 0.60:
                email = f"{fa}.{la}@{cdomain}"
            elif r < 0.66:
                email = f"{rng.choice(['info', 'sales', 'office', 'kontakt', 'contact', 'vertrieb'])}@{cdomain}"
            elif r < 0.89:
                email = f"{fa}.{la}{rng.randint(1, 99)}@{rng.choice(FREE)}"
            elif r < 0.93:
                email = f"{fa}{rng.randint(100, 999)}@{rng.choice(DISPOSABLE)}"
            elif r < 0.96:
                email = rng.choice(INVALID).format(f=fa, l=la, d=cdomain)
            else:
                email = ""
            has_company = r < 0.66 or rng.random() < 0.5
            created = (
                anchor - timedelta(days=rng.uniform(0, 182), minutes=rng.randint(0, 600))
            ).replace(microsecond=0)
            final = _weighted(rng, FINAL)
            values: dict[str, object] = {
                "first_name": first,
                "last_name": last,
                "email": email or None,
                "phone": f"{phone_prefix}{rng.randint(1000000, 9999999)}"
                if rng.random() < 0.7
                else None,
                "company": company if has_company else None,
                "title": title if rng.random() < 0.9 else None,
                "website": f"https://www.{cdomain}" if has_company and rng.random() < 0.5 else None,
                "city": rng.choice(cities),
                "country": country,
                "industry": industry if has_company else None,
                "company_size": size if has_company and rng.random() < 0.6 else None,
                "source": _weighted(rng, SOURCES),
            }
            derived = derived_values(values)
            if derived.get("domain") and derived.get("domain_class") != "invalid":
                mail_domains.setdefault(str(derived["domain"]), (derived["domain_class"], country))
            if not derived.get("name"):
                derived["name"] = company
                derived["sort_name"] = sort_key(company)
            path = _path(rng, final)
            times = [created]
            for _ in path[1:]:
                times.append(
                    min(anchor, times[-1] + timedelta(days=rng.uniform(0.2, 20))).replace(
                        microsecond=0
                    )
                )
            contact_rows.append(
                {
                    **values,
                    **derived,
                    "id": cid,
                    "stage_id": stage_ids[path[-1]],
                    "stage_changed_at": times[-1],
                    "created_at": created,
                    "updated_at": times[-1],
                    "consent": rng.choice(
                        ["unknown", "unknown", "granted", "granted", "withdrawn"]
                    ),
                    "notes": rng.choice(
                        [
                            None,
                            None,
                            None,
                            "Met at the booth; wants a quote for spare parts.",
                            "Asked about delivery times to their plant.",
                            "Card from the fishbowl.",
                        ]
                    ),
                    "next_action_at": anchor + timedelta(days=rng.randint(-5, 20))
                    if final in ("inquiry", "mql", "sql", "opportunity") and rng.random() < 0.5
                    else None,
                }
            )
            prev = None
            for step, (key, at) in enumerate(zip(path, times, strict=True)):
                reason = None
                if key == "disqualified":
                    reason = rng.choice(DISQUALIFY_REASONS)
                elif step == 0:
                    reason = "Demo data"
                change_rows.append(
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
                if key == "inquiry":
                    activity_rows.append(
                        {
                            "contact_id": cid,
                            "type": "inquiry-received",
                            "at": at,
                            "note": rng.choice(
                                [
                                    "Asked for a price list",
                                    "Contact form: spare parts",
                                    "Phoned the office",
                                    None,
                                ]
                            ),
                        }
                    )
                    if rng.random() < 0.65:  # about a third of inquiries never answered
                        reply = at + timedelta(hours=rng.choice([1, 3, 6, 20, 30, 70]))
                        if reply <= anchor:
                            activity_rows.append(
                                {
                                    "contact_id": cid,
                                    "type": rng.choice(["email-sent", "call"]),
                                    "at": reply,
                                    "note": None,
                                }
                            )
                elif key == "mql" and rng.random() < 0.6:
                    activity_rows.append(
                        {
                            "contact_id": cid,
                            "type": rng.choice(["content-downloaded", "webinar-attended"]),
                            "at": at,
                            "note": None,
                        }
                    )
                elif key == "sql":
                    activity_rows.append(
                        {
                            "contact_id": cid,
                            "type": rng.choice(["demo-requested", "asked-for-sales"]),
                            "at": at,
                            "note": None,
                        }
                    )
                elif key == "opportunity":
                    activity_rows.append(
                        {"contact_id": cid, "type": "meeting", "at": at, "note": "Quote sent"}
                    )
        with db.session() as s:
            conn = s.connection()
            _insert(conn, Contact, contact_rows)
            _insert(conn, StageChange, change_rows)
            _insert(conn, Activity, activity_rows)
            # a next-action date is the first open task (app.todo)
            task_rows = [
                {
                    "contact_id": r["id"],
                    "title": "Follow up",
                    "kind": "call",
                    "due_at": r["next_action_at"],
                    "created_at": anchor,
                }
                for r in contact_rows
                if r.get("next_action_at") is not None
            ]
            _insert(conn, Task, task_rows)
            hooks.contacts_changed(s, [int(str(r["id"])) for r in contact_rows])
        done += batch
        if progress:
            progress(done, n)
    # go look's evidence, as if Check all had run: a new user sees verdicts at once
    write_demo_evidence(db, mail_domains, now)
    # BANT answers and deal values: the dashboard and the board show qualified leads and a pipeline
    add_demo_pipeline(db, new_ids, seed)
    return n


def _insert(conn: Connection, model: Any, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    if bulk.is_postgresql(conn):  # one COPY (executemany: a statement a row)
        bulk.copy_rows(conn, cast(Table, model.__table__), rows)
    else:
        conn.execute(insert(cast(Table, model.__table__)), rows)


def _new_contact_ids(s: Session, n: int) -> list[int]:
    """Ids for ``n`` new contacts, given explicitly so their history can point at them. On
    PostgreSQL they come from the id sequence (explicit ids would not advance it)."""
    if s.get_bind().dialect.name == "postgresql":
        seq = "SELECT nextval(pg_get_serial_sequence('contacts', 'id')) FROM generate_series(1, :n)"
        return [int(i) for i in s.execute(text(seq), {"n": n}).scalars()]
    first = int(s.scalar(select(func.max(Contact.id))) or 0) + 1
    return list(range(first, first + n))


def _path(rng: random.Random, final: str) -> list[str]:
    """The stages a contact went through to reach ``final`` (some skip Suspect)."""
    if final in PIPELINE:
        path = PIPELINE[: PIPELINE.index(final) + 1]
    else:
        reached = rng.choice(["suspect", "inquiry", "inquiry", "mql", "sql"])
        path = [*PIPELINE[: PIPELINE.index(reached) + 1], final]
    if len(path) > 1 and path[0] == "suspect" and rng.random() < 0.3:
        path = path[1:]  # came in as an inquiry straight away
    return path

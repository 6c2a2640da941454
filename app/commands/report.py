"""``winnow show`` and ``winnow stats`` for people: sections and small tables with stage names,
percentages and local times, drawn from the same data ``--json`` prints (so the two never
disagree). Imported by those two handlers only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.commands import text
from app.commands.text import NONE, Column

if TYPE_CHECKING:
    from db.engine import Database

FOLLOW_UP = {
    "answered": "answered",
    "overdue": "overdue: not answered in time",
    "awaiting": "waiting for an answer",
}
OUTCOME_MARKS = {"pass": "✓", "fail": "✗"}  # anything else: "?"
ANSWER_MARKS = {"yes": "✓", "no": "✗"}


@dataclass(frozen=True)
class Names:
    """What the data's keys are called for people."""

    stages: Mapping[str, str] = field(default_factory=dict)
    criteria: Mapping[str, tuple[str, bool]] = field(default_factory=dict)  # key: (name, required)
    activities: Mapping[str, str] = field(default_factory=dict)
    task_kinds: Mapping[str, str] = field(default_factory=dict)
    consent: Mapping[str, str] = field(default_factory=dict)
    classes: Mapping[str, str] = field(default_factory=dict)
    threshold: int | None = None  # the score at which a qualified contact is sales-ready

    def stage(self, key: str | None) -> str:
        return self.stages.get(key or "", key or "")


def show_names(db: Database) -> Names:
    from app import activities, consent, qualification, scoring, stages, todo
    from app.golook.evidence import CLASS_LABELS

    return Names(
        stages={s.key: s.name for s in stages.list_stages(db)},
        criteria={c.key: (c.name, c.required) for c in qualification.list_criteria(db)},
        activities=dict(activities.ACTIVITY_TYPES),
        task_kinds=dict(todo.TASK_KINDS),
        consent=dict(consent.CONSENT_LABELS),
        classes=dict(CLASS_LABELS),
        threshold=scoring.scoring_settings(db).threshold,
    )


# --- winnow show -----------------------------------------------------------------------------


def show_lines(data: Mapping[str, Any], names: Names) -> list[str]:
    """One contact in sections: contact, company, stage & score, BANT, consent, go look,
    tasks, activities, history."""
    d = data
    title = " · ".join(x for x in (d.get("title"), d.get("company")) if x)
    lines = [f"{d.get('name') or '(no name)'}  (#{d['id']})"]
    if title:
        lines.append(title)
    lines += _contact(d)
    lines += _company(d, names)
    lines += _stage_and_score(d, names)
    lines += _bant(d, names)
    lines += _consent(d, names)
    lines += _golook(d.get("golook"), names)
    lines += _tasks(d.get("tasks") or [], names)
    lines += _activities(d.get("activities") or [], names)
    lines += _history(d.get("history") or [], names)
    return lines


def _points(label: str, items: list[Mapping[str, Any]]) -> list[tuple[str, object]]:
    """Every e-mail, phone or address with its kind, the primary one first (one per line)."""
    return [
        (
            label if i == 0 else "",
            f"{p.get('value')} ({p['kind']})" if p.get("kind") else p.get("value"),
        )
        for i, p in enumerate(items)
    ]


def _contact(d: Mapping[str, Any]) -> list[str]:
    place = ", ".join(x for x in (d.get("city"), d.get("country")) if x)
    emails: list[tuple[str, object]] = [
        ("E-mail", d.get("email")),
        ("Other e-mails", ", ".join(d.get("other_emails") or [])),
    ]
    pairs: list[tuple[str, object]] = [
        *(_points("E-mail", d["emails"]) if d.get("emails") else emails),
        *(_points("Phone", d["phones"]) if d.get("phones") else [("Phone", d.get("phone"))]),
        *(_points("Address", d["addresses"]) if d.get("addresses") else [("Place", place)]),
        ("Source", d.get("source")),
        ("Owner", d.get("owner")),  # team mode: who works this contact
        ("Import batch", d.get("import_batch_id")),
        ("Added", text.when(d.get("created_at"))),
        ("Tags", d.get("tags")),
        ("Notes", d.get("notes")),
    ]
    pairs += [(str(k), v) for k, v in (d.get("extra") or {}).items()]
    return [*text.heading("Contact"), *(text.fields(pairs) or [f"  {NONE}"])]


def _company(d: Mapping[str, Any], names: Names) -> list[str]:
    size = d.get("company_size")
    pairs: list[tuple[str, object]] = [
        ("Company", d.get("company")),
        ("Website", d.get("website")),
        ("Industry", d.get("industry")),
        ("Size", f"{size:,} people" if isinstance(size, int) else size),
        ("Address", names.classes.get(d.get("domain_class") or "", d.get("domain_class"))),
        ("Domain", d.get("domain")),
    ]
    return [*text.heading("Company"), *(text.fields(pairs) or [f"  {NONE}"])]


def _stage_and_score(d: Mapping[str, Any], names: Names) -> list[str]:
    stage = names.stage(d.get("stage"))
    since = text.when(d.get("stage_changed_at"))
    score = int(d.get("score") or 0)
    if d.get("sales_ready"):
        ready = "yes"
    elif names.threshold is not None and score < names.threshold:
        ready = f"no (sales-ready from {names.threshold} points, when qualified)"
    else:
        ready = "no"
    follow = FOLLOW_UP.get(d.get("follow_up") or "", "")
    due = text.when(d.get("response_due_at"))
    answered = text.when(d.get("first_response_at"))
    if d.get("follow_up") == "answered":
        follow = f"answered {answered}"
    elif follow and due:
        follow = f"{follow} (due {due})"
    amount = d.get("deal_amount")
    close = text.when(d.get("expected_close_at"), with_time=False)
    deal = text.amount(amount) if amount is not None else ""
    if close:
        deal = f"{deal}, expected to close {close}" if deal else f"expected to close {close}"
    pairs: list[tuple[str, object]] = [
        ("Stage", f"{stage}, since {since}" if since else stage),
        ("Score", f"{score} points"),
        ("Sales-ready", ready),
        ("Received", text.when(d.get("received_at"))),
        ("Follow-up", follow),
        ("Next action", text.when(d.get("next_action_at"), with_time=False)),
        ("Deal", deal),
    ]
    lines = [*text.heading("Stage & score"), *text.fields(pairs)]
    breakdown = d.get("score_breakdown") or []
    if breakdown:
        lines.append("  Why this score:")
        lines += text.table(
            (Column("Points", ">"), Column("Rule")),
            ((f"{int(i['points']):+d}", i["rule"]) for i in breakdown),
            indent="    ",
        )[1:]
    return lines


def _bant(d: Mapping[str, Any], names: Names) -> list[str]:
    answers: Mapping[str, str] = d.get("bant") or {}
    notes: Mapping[str, str] = d.get("bant_notes") or {}
    if not answers:
        return [*text.heading("BANT"), "  no criteria"]
    missing = [
        names.criteria.get(k, (k, True))[0]
        for k, a in answers.items()
        if a != "yes" and names.criteria.get(k, (k, True))[1]
    ]
    if d.get("qualified"):
        head = "BANT: qualified"
    elif missing:
        head = f"BANT: not qualified yet ({', '.join(missing)} not yet yes)"
    else:
        head = "BANT: not qualified yet"
    rows = []
    for key, answer in answers.items():
        name, required = names.criteria.get(key, (key, True))
        rows.append(
            (
                ANSWER_MARKS.get(answer, "?"),
                name + ("" if required else " (optional)"),
                answer,
                notes.get(key) or "",
            )
        )
    table = text.table(
        (Column(""), Column("Criterion"), Column("Answer"), Column("Note")), rows, indent="  "
    )
    return [*text.heading(head), *table[1:]]


def _consent(d: Mapping[str, Any], names: Names) -> list[str]:
    state = d.get("consent") or "unknown"
    line = names.consent.get(state, state)
    if d.get("consent_at"):
        line += f" on {text.when(d.get('consent_at'))}"
    if d.get("consent_how"):
        line += f" ({text.one_line(d.get('consent_how'))})"
    if state == "unknown":
        line += " (not recorded: no marketing e-mails until it is granted)"
    return [*text.heading("Consent to marketing"), f"  {line}"]


def _golook(g: Mapping[str, Any] | None, names: Names) -> list[str]:
    lines = text.heading("Go look")
    if not g:
        return [*lines, f"  {NONE}"]
    lines.append(f"  {text.one_line(g.get('verdict'))}")
    mx = ", ".join(g.get("mx") or [])
    checked = text.when(g.get("checked_at"))
    if g.get("domain") and not checked:
        checked = f"not yet (winnow check {g.get('id')})"
    pairs: list[tuple[str, object]] = [
        ("Invalid because", g.get("invalid_reason")),
        ("Probably meant", g.get("typo_of")),
        ("Mail servers", mx),
        ("DNS says", g.get("dns_detail")),
        ("Checked", checked),
        ("Website", g.get("website")),
        ("Search the web", g.get("search_url")),
    ]
    lines += text.fields(pairs)
    persona = g.get("persona")
    if persona:
        lines.append(
            f"  Persona: {persona.get('name')}, "
            f"{persona.get('passed')} of {persona.get('evaluated')} criteria met"
        )
        reasons = persona.get("reasons") or []
        lines += text.table(
            (Column(""), Column("Criterion"), Column("Why")),
            (
                (OUTCOME_MARKS.get(r.get("outcome"), "?"), r.get("label"), r.get("reason"))
                for r in reasons
            ),
            indent="    ",
        )[1:]
    return lines


def _tasks(tasks: list[Mapping[str, Any]], names: Names) -> list[str]:
    lines = text.heading("Tasks")
    if not tasks:
        return [*lines, "  none"]
    return lines + text.table(
        (Column("ID", ">"), Column("Due"), Column("Kind"), Column("Task"), Column("Done")),
        (
            (
                str(t["id"]),
                text.when(t.get("due_at")),
                names.task_kinds.get(t.get("kind") or "", t.get("kind")),
                t.get("title"),
                "✓" if t.get("done") else "",
            )
            for t in tasks
        ),
        indent="  ",
    )


def _activities(acts: list[Mapping[str, Any]], names: Names) -> list[str]:
    lines = text.heading("Activities")
    if not acts:
        return [*lines, "  none"]
    by = _several_actors(acts)
    columns = [Column("ID", ">"), Column("When"), Column("Activity"), Column("Note")]
    rows = [
        [
            str(a["id"]),
            text.when(a.get("at")),
            names.activities.get(a.get("type") or "", a.get("type")),
            a.get("note"),
        ]
        for a in acts
    ]
    if by:
        columns.insert(3, Column("By"))
        for row, a in zip(rows, acts, strict=True):
            row.insert(3, a.get("actor") or "")
    return lines + text.table(columns, rows, indent="  ")


def _several_actors(items: list[Mapping[str, Any]]) -> bool:
    """Whether a "By" column says anything: in team mode, when more than one person acted
    (on a single-user file every line would name the same user)."""
    return len({i.get("actor") for i in items if i.get("actor")}) > 1


def _history(history: list[Mapping[str, Any]], names: Names) -> list[str]:
    lines = text.heading("History")
    if not history:
        return [*lines, "  none"]
    by = _several_actors(history)
    rows = []
    for h in history:
        move = f"{names.stage(h.get('from')) if h.get('from') else '(new)'} → {names.stage(h.get('to'))}"
        notes = [text.one_line(h.get("reason"))] if h.get("reason") else []
        if h.get("automatic"):
            notes.append("automatic")
        if h.get("undone"):
            notes.append("undone")
        row = [text.when(h.get("at")), move, "; ".join(notes)]
        rows.append([*row[:2], h.get("actor") or "", row[2]] if by else row)
    columns = [Column("When"), Column("Move"), Column("Note")]
    if by:
        columns.insert(2, Column("By"))
    return lines + text.table(columns, rows, indent="  ")


# --- winnow stats ----------------------------------------------------------------------------


def stats_lines(data: Mapping[str, Any], stage_names: Mapping[str, str]) -> list[str]:
    """The ``stats`` report: contacts by stage, the funnel with its rates, response times,
    figures per source, time in stage and deal values."""
    d = data
    name = lambda key: stage_names.get(key, key)  # noqa: E731
    lines = [f"Winnow figures: {_period(d.get('period') or {})}"]

    total = int(d.get("total") or 0)
    stages: Mapping[str, int] = d.get("stages") or {}
    lines += text.heading("Contacts by stage")
    lines += text.table(
        (Column("Stage"), Column("Contacts", ">"), Column("Share", ">")),
        [
            *(
                (name(k), text.count(n), text.percent(n / total if total else None))
                for k, n in stages.items()
            ),
            ("Total", text.count(total), ""),
        ],
        indent="  ",
    )

    funnel = d.get("funnel") or []
    if funnel:
        lines += text.heading("Funnel: inquiries of the period by the furthest stage they reached")
        lines += text.table(
            (
                Column("Stage"),
                Column("Reached", ">"),
                Column("On to next", ">"),
                Column("Dropped", ">"),
            ),
            (
                (
                    f.get("name") or name(f.get("stage")),
                    text.count(f.get("count")),
                    text.percent(f.get("conversion_to_next")) if f is not funnel[-1] else "",
                    text.percent(f.get("drop_off")) if f is not funnel[-1] else "",
                )
                for f in funnel
            ),
            indent="  ",
        )

    if "inquiries" in d:
        lines += text.heading("Rates")
        rates = [
            ("Inquiries", text.count(d.get("inquiries")), "contacts that became inquiries"),
            (
                "Qualified",
                text.count(d.get("qualified")),
                "every required BANT criterion answered yes",
            ),
            ("Customers", text.count(d.get("customers")), "reached Customer"),
            (
                "Qualification rate",
                text.percent(d.get("qualification_rate")),
                text.one_line(d.get("qualification_view")) or "qualified ÷ inquiries",
            ),
            ("Conversion rate", text.percent(d.get("conversion_rate")), "customers ÷ qualified"),
            (
                "Response rate",
                text.percent(d.get("response_rate")),
                "inquiries ÷ prospects reached"
                + (
                    "; record reach with: winnow sources set-reached SOURCE N"
                    if d.get("response_rate") is None
                    else ""
                ),
            ),
        ]
        lines += text.table((Column(""), Column("", ">"), Column("")), rates, indent="  ")[1:]

        lines += text.heading("Response times")
        lines += text.table(
            (Column(""), Column("", ">"), Column("")),
            [
                (
                    "Median first response",
                    text.hours(d.get("median_first_response_hours")),
                    "from received to the first answer",
                ),
                (
                    "Not answered in time",
                    text.percent(d.get("unanswered_share")),
                    "answered late or not at all",
                ),
                (
                    "Never followed up",
                    text.percent(d.get("never_followed_up_share")),
                    "past due with no answer",
                ),
            ],
            indent="  ",
        )[1:]

    by_source: Mapping[str, Mapping[str, Any]] = d.get("by_source") or {}
    if by_source:
        lines += text.heading("Per source")
        lines += text.table(
            (
                Column("Source"),
                Column("Inquiries", ">"),
                Column("Qualified", ">"),
                Column("Customers", ">"),
                Column("Qualification", ">"),
                Column("Conversion", ">"),
                Column("Reached", ">"),
                Column("Response", ">"),
            ),
            (
                (
                    src,
                    text.count(f.get("inquiries")),
                    text.count(f.get("qualified")),
                    text.count(f.get("customers")),
                    text.percent(f.get("qualification_rate")),
                    text.percent(f.get("conversion_rate")),
                    text.count(f.get("reached")),
                    text.percent(f.get("response_rate")),
                )
                for src, f in by_source.items()
            ),
            indent="  ",
        )

    in_stage: Mapping[str, float | None] = d.get("median_days_in_stage") or {}
    if any(v is not None for v in in_stage.values()):
        lines += text.heading("Median time in stage (stays that ended)")
        lines += text.table(
            (Column("Stage"), Column("Days", ">")),
            ((name(k), text.days(v)) for k, v in in_stage.items() if v is not None),
            indent="  ",
        )

    if "open_pipeline_value" in d or "won_value" in d:
        lines += text.heading("Deal values")
        lines += text.fields(
            [
                ("Open pipeline", text.amount(d.get("open_pipeline_value"))),
                ("Won", text.amount(d.get("won_value"))),
            ]
        )
    return lines


def _period(period: Mapping[str, Any]) -> str:
    since = text.when(period.get("since"), with_time=False)
    until = text.when(period.get("until"), with_time=False)
    if since and until:
        span = f"{since} to {until}"
    elif since:
        span = f"since {since}"
    elif until:
        span = f"until {until}"
    else:
        span = "all time"
    source = period.get("source")
    return f"{span}, {'source ' + repr(source) if source else 'all sources'}"

"""The command line for people (stage names, percentages, aligned tables, ``show`` in sections,
``stats`` as a report) and for scripts (``--json`` keeps every key it had)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.commands import text

STAGE_KEYS = r"\b(suspect|inquiry|mql|sql|opportunity|customer|nurture|disqualified)\b"


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def db_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """300 demo contacts; contact 3 with a task, a call, a BANT answer with a note, a deal,
    consent and two moves; a contact with a name in Japanese."""
    path = str(tmp_path_factory.mktemp("cli-out") / "out.sqlite")
    for args in (
        ("demo", "--contacts", "300", "--seed", "5", "--quiet"),
        ("task", "add", "3", "Call back", "--due", "tomorrow"),
        ("log", "3", "call", "--note", "Left a voicemail"),
        ("qualify", "3", "--budget", "yes", "--note", "budget=approved in March"),
        ("move", "3", "4", "nurture", "--why", "not this year"),
        ("deal", "3", "1200", "--close", "2027-01-15"),
        ("consent", "3", "granted", "--how", "web form"),
    ):
        code, _out, err = cli("--db", path, *args)
        assert code == 0, (args, err)
    from app.contacts import create_contact
    from db.engine import open_database

    db = open_database(path)
    create_contact(
        db,
        first_name="太郎",
        last_name="山田",
        company="山田製作所株式会社",
        email="taro.yamada@yamada-seisakusho.co.jp",
    )
    db.close()
    yield path


# --- --json: every key it had before the human output changed -------------------------------

# Key paths recorded from the command line before this change (``[]``: each list item; ``*``:
# keys that are data — stage keys, source names, criteria). Later features may add keys; none
# of these may go or move.
DATA_KEYED = {"stages", "by_source", "median_days_in_stage", "bant", "bant_notes", "extra"}
RECORDED: dict[tuple[str, ...], list[str]] = {
    ("list",): [
        "[].company", "[].created_at", "[].domain_class", "[].email", "[].id", "[].name",
        "[].next_action_at", "[].sales_ready", "[].score", "[].source", "[].stage", "[].title",
    ],
    ("history", "--all"): [
        "[].at", "[].contacts", "[].id", "[].kind", "[].state", "[].undone_at", "[].what",
    ],
    ("tasks",): ["[].contact_id", "[].done", "[].due_at", "[].id", "[].kind", "[].title"],
    ("duplicates",): ["[].ids", "[].reasons", "[].score"],
    ("stats",): [
        "by_source", "by_source.*", "by_source.*.conversion_rate", "by_source.*.customers",
        "by_source.*.inquiries", "by_source.*.qualification_rate", "by_source.*.qualified",
        "by_source.*.reached", "by_source.*.response_rate", "cohort", "conversion_rate",
        "customers", "funnel", "funnel[].conversion_to_next", "funnel[].count",
        "funnel[].drop_off", "funnel[].name", "funnel[].stage", "inquiries",
        "median_days_in_stage", "median_days_in_stage.*", "median_first_response_hours",
        "never_followed_up_share", "open_pipeline_value", "period", "period.since",
        "period.source", "period.until", "qualification_rate", "qualification_view",
        "qualified", "response_rate", "stages", "stages.*", "total", "unanswered_share",
        "won_value",
    ],
    ("show", "3"): [
        "activities", "activities[].at", "activities[].id", "activities[].note",
        "activities[].type", "bant", "bant.*", "bant_notes", "bant_notes.*", "city", "company",
        "company_size", "consent", "consent_at", "consent_how", "country", "created_at",
        "deal_amount", "domain", "domain_class", "email", "email_normalized",
        "expected_close_at", "extra", "first_name", "first_response_at", "follow_up", "golook",
        "golook.checked_at", "golook.dns_detail", "golook.dns_status", "golook.domain",
        "golook.domain_class", "golook.domain_class_overridden", "golook.domain_mismatch",
        "golook.email", "golook.id", "golook.invalid_reason", "golook.mail_host", "golook.mx",
        "golook.normalized_email", "golook.persona", "golook.persona.evaluated",
        "golook.persona.fit", "golook.persona.name", "golook.persona.passed",
        "golook.persona.reasons", "golook.persona.reasons[].criterion",
        "golook.persona.reasons[].label", "golook.persona.reasons[].outcome",
        "golook.persona.reasons[].reason", "golook.registrable_domain", "golook.role_account",
        "golook.search_url", "golook.typo_of", "golook.valid", "golook.verdict",
        "golook.website", "golook.website_domain", "history", "history[].at",
        "history[].automatic", "history[].from", "history[].reason", "history[].to",
        "history[].undone", "id", "import_batch_id", "industry", "last_name", "name",
        "next_action_at", "notes", "other_emails", "persona_fit", "persona_name", "phone",
        "qualified", "received_at", "response_due", "response_due_at", "sales_ready", "score",
        "score_breakdown", "score_breakdown[].points", "score_breakdown[].rule", "source",
        "stage", "stage_changed_at", "stage_name", "tags", "tasks", "tasks[].contact_id",
        "tasks[].done", "tasks[].due_at", "tasks[].id", "tasks[].kind", "tasks[].title",
        "title", "triaged_at", "updated_at", "website",
    ],
}  # fmt: skip


def key_paths(value: Any, prefix: str = "") -> set[str]:
    out: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            name = "*" if prefix.rsplit(".", 1)[-1] in DATA_KEYED else key
            path = f"{prefix}.{name}" if prefix else name
            out.add(path)
            out |= key_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            out |= key_paths(item, prefix + "[]")
    return out


@pytest.mark.parametrize("command", list(RECORDED), ids=" ".join)
def test_json_keeps_every_key_it_had(db_file: str, command: tuple[str, ...]) -> None:
    code, out, err = cli("--db", db_file, *command, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data, "the fixture must give every command something to print"
    missing = sorted(set(RECORDED[command]) - key_paths(data))
    assert missing == []


def test_json_values_are_untouched_by_the_human_output(db_file: str) -> None:
    """Stage keys, raw rates and ISO times stay in JSON (the names are for people)."""
    _code, out, _err = cli("--db", db_file, "show", "3", "--json")
    shown = json.loads(out)
    assert shown["stage"] == "nurture" and shown["history"][-1]["to"] == "nurture"
    assert shown["bant"]["budget"] == "yes" and shown["bant_notes"] == {
        "budget": "approved in March"
    }
    assert shown["deal_amount"] == 1200 and shown["consent"] == "granted"
    assert shown["created_at"].endswith("+00:00")
    _code, out, _err = cli("--db", db_file, "stats", "--json")
    stats = json.loads(out)
    assert stats["total"] == 301 and isinstance(stats["funnel"][0]["conversion_to_next"], float)


# --- show ------------------------------------------------------------------------------------

SECTIONS = [
    "Contact",
    "Company",
    "Stage & score",
    "BANT",
    "Consent to marketing",
    "Go look",
    "Tasks",
    "Activities",
    "History",
]


def test_show_is_in_sections_with_names_not_keys(db_file: str) -> None:
    code, out, err = cli("--db", db_file, "show", "3")
    assert code == 0 and err == ""
    lines = out.splitlines()
    titles = [lines[i + 1] for i, line in enumerate(lines[:-1]) if line == ""]
    assert [t.split(":")[0] for t in titles] == SECTIONS
    assert "Marketing qualified → Nurture" in out and "(new) → Inquiry" in out
    assert "Nurture, since " in out
    assert not re.search(STAGE_KEYS, out.replace("winnow check", ""))
    for raw in ("{'", "None", "True", "False", "_at", "+00:00"):
        assert raw not in out, raw
    assert re.search(r"^\s+✓\s+Budget\s+yes\s+approved in March$", out, re.M)
    assert re.search(r"^\s+Call\s+Left a voicemail$", out, re.M) or "Left a voicemail" in out
    assert "1,200.00, expected to close 2027-01-15" in out
    assert "Granted on " in out and "(web form)" in out
    assert re.search(r"^\s+[+-]\d+\s+\S", out, re.M)  # the score's lines with their points
    assert "Call back" in out


def test_show_of_a_contact_with_little_data(db_file: str) -> None:
    code, out, _err = cli("--db", db_file, "show", "301")
    assert code == 0
    assert "山田 太郎  (#301)" in out or "太郎 山田  (#301)" in out
    assert "Tasks\n  none" in out and "Activities\n  none" in out
    assert "None" not in out


# --- stats -----------------------------------------------------------------------------------


def _section(out: str, title: str) -> list[str]:
    lines = out.splitlines()
    start = lines.index(title) + 1
    end = next((i for i in range(start, len(lines)) if lines[i] == ""), len(lines))
    return lines[start:end]


def test_stats_is_a_report_with_percentages(db_file: str) -> None:
    code, out, err = cli("--db", db_file, "stats")
    assert code == 0 and err == ""
    for raw in ("None", "_rate", "_share", "True", "False"):
        assert raw not in out, raw
    assert not re.search(r"\d\.\d{3,}", out)  # no raw fractions: 0.4523…
    assert not re.search(STAGE_KEYS, out)
    by_stage = _section(out, "Contacts by stage")
    assert by_stage[0].split() == ["Stage", "Contacts", "Share"]
    assert by_stage[-1].split()[0] == "Total" and by_stage[-1].split()[-1] == "301"
    ends = {text.width(line[: line.index("%") + 1]) for line in by_stage if "%" in line}
    assert len(ends) == 1  # the percentages line up
    funnel = _section(out, "Funnel: inquiries of the period by the furthest stage they reached")
    assert funnel[1].split()[0] == "Inquiry" and re.search(r"\d+\.\d %", funnel[1])
    assert any(
        line.strip().startswith("Qualification rate") and "%" in line for line in out.splitlines()
    )
    per_source = _section(out, "Per source")
    assert per_source[0].split()[:2] == ["Source", "Inquiries"]
    assert any(line.strip().startswith("Trade show: Hannover Messe 2026") for line in per_source)
    assert "Median first response" in out and re.search(r"\d+\.\d h", out)


# --- list, messages and the table helper -----------------------------------------------------


def test_list_columns_line_up_with_wide_names(db_file: str) -> None:
    code, out, _err = cli("--db", db_file, "list", "--limit", "40")
    assert code == 0
    lines = out.splitlines()
    header, rows = lines[0], lines[1:-1]
    assert any("山田" in r for r in rows)
    stage_at = text.width(header[: header.index("Stage")])
    for row in rows:
        stage = next(s for s in STAGE_NAMES if f"  {s}  " in row)
        assert text.width(row[: row.index(f"  {stage}  ") + 2]) == stage_at, row
    assert lines[-1] == "40 contacts"


STAGE_NAMES = (
    "Suspect",
    "Inquiry",
    "Marketing qualified",
    "Sales qualified",
    "Opportunity",
    "Customer",
    "Nurture",
    "Disqualified",
)


def test_messages_name_the_stage(tmp_path: Path) -> None:
    db = str(tmp_path / "m.sqlite")
    assert cli("--db", db, "demo", "--contacts", "5", "--quiet")[0] == 0
    code, out, _err = cli("--db", db, "move", "1", "2", "nurture")
    assert code == 0 and out.strip().startswith("Moved 2 contacts to Nurture")
    code, out, _err = cli("--db", db, "move", "1", "disqualified", "--why", "spam")
    assert code == 0 and out.strip() == "Moved 1 contact to Disqualified"
    code, out, _err = cli("--db", db, "log", "1", "email-sent")
    assert code == 0 and out.startswith("Logged e-mail sent for contact 1 at ")


def test_a_table_aligns_by_terminal_columns_and_cuts_with_an_ellipsis() -> None:
    columns = (text.Column("Name", cap=8), text.Column("N", ">"))
    lines = text.table(columns, [("山田太郎", "1"), ("Jürgen Weißmann", "22"), (None, "333")])
    assert lines[0] == "Name        N"
    assert lines[1] == "山田太郎    1"  # eight columns wide, as "Name" + padding
    assert lines[2] == "Jürgen…    22"
    assert lines[3] == "          333"
    assert {text.width(line) for line in lines} == {13}
    assert text.fit("東京都港区", 5) == "東京…"  # never half a wide character
    assert text.percent(0.4523) == "45.2 %" and text.percent(None) == "—"


def test_show_names_the_owner_and_who_acted_when_several_did() -> None:
    """Team mode: the owner in the contact section, a "By" column once two people acted."""
    from app.commands.report import Names, show_lines

    base: dict[str, Any] = {"id": 7, "name": "Ana Lima", "owner": "maria"}
    history: list[dict[str, str | None]] = [
        {"from": None, "to": "inquiry", "at": "2026-03-01T09:00:00+00:00", "actor": "maria"},
        {"from": "inquiry", "to": "mql", "at": "2026-03-02T09:00:00+00:00", "actor": "tom"},
    ]
    names = Names(stages={"inquiry": "Inquiry", "mql": "Marketing qualified"})
    out = "\n".join(show_lines({**base, "history": history}, names))
    assert re.search(r"^\s+Owner\s+maria$", out, re.M)
    assert re.search(r"^\s+When\s+Move\s+By\s+Note$", out, re.M)
    assert re.search(r"Inquiry → Marketing qualified\s+tom$", out, re.M)
    one = [{**h, "actor": "maria"} for h in history]
    out = "\n".join(show_lines({**base, "history": one}, names))
    assert "By" not in out.split("History", 1)[1]  # one person: no column naming them


def test_show_lists_every_email_phone_and_address_with_its_kind() -> None:
    from app.commands.report import Names, show_lines

    data = {
        "id": 9,
        "name": "Jürgen Weißmann",
        "email": "j@weissmann-mb.de",
        "emails": [
            {"value": "j@weissmann-mb.de", "kind": "work", "primary": True},
            {"value": "juergen@gmail.com", "kind": None, "primary": False},
        ],
        "phones": [{"value": "+49 30 1234567", "kind": "mobile", "primary": True}],
        "addresses": [{"value": "Hauptstr. 1, 10115 Berlin", "kind": "work", "primary": True}],
    }
    contact = show_lines(data, Names())[2:8]
    assert contact == [
        "Contact",
        "  E-mail   j@weissmann-mb.de (work)",
        "           juergen@gmail.com",
        "  Phone    +49 30 1234567 (mobile)",
        "  Address  Hauptstr. 1, 10115 Berlin (work)",
        "",
    ]

"""The qualification CLI: qualify, consent, show --json, stats --json, sources, next-action."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.contacts import create_contact
from db.engine import Database


def run(db_path: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--db", str(db_path), *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def contact(db: Database) -> int:
    from db.models import Setting

    with db.session() as s:  # no default personas: exact scores
        s.add(Setting(key="golook.personas_seeded", value="true"))
    return create_contact(
        db,
        name="Anna Weiß",
        email="anna.weiss@acme-werk.de",
        title="Plant manager",
        stage="inquiry",
        source="Web form",
    )


def test_qualify_and_show_json(
    db_path: Path, contact: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        db_path,
        capsys,
        "qualify",
        str(contact),
        "--budget",
        "yes",
        "--authority",
        "yes",
        "--need",
        "yes",
        "--note",
        "need=Wants 3 pumps",
    )
    assert code == 0
    assert "not qualified yet: Timeframe missing" in out
    code, out, _ = run(db_path, capsys, "qualify", str(contact), "--timeframe", "YES")
    assert code == 0 and f"Contact {contact} is qualified." in out
    code, out, _ = run(db_path, capsys, "show", str(contact), "--json")
    data = json.loads(out)
    assert data["bant"] == {"budget": "yes", "authority": "yes", "need": "yes", "timeframe": "yes"}
    assert data["qualified"] is True
    assert data["score"] == 63 == sum(b["points"] for b in data["score_breakdown"])
    assert all(set(b) == {"rule", "points"} for b in data["score_breakdown"])
    assert data["sales_ready"] is True
    assert data["consent"] == "unknown"
    assert data["response_due"] is not None and data["first_response_at"] is None
    assert data["next_action_at"] is None
    assert data["bant_notes"] == {"need": "Wants 3 pumps"}


def test_qualify_custom_criterion_and_errors(
    db_path: Path, db: Database, contact: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, _ = run(db_path, capsys, "criteria", "add", "Champion", "--optional")
    assert code == 0
    code, out, _ = run(db_path, capsys, "qualify", str(contact), "--set", "champion=no", "--json")
    assert code == 0 and json.loads(out)["bant"]["champion"] == "no"
    code, _out, err = run(db_path, capsys, "qualify", str(contact), "--set", "money=yes")
    assert code == 2 and "unknown criterion 'money'" in err
    code, _out, err = run(db_path, capsys, "qualify", str(contact), "--budget", "maybe")
    assert code == 2
    code, _out, err = run(db_path, capsys, "qualify", "999", "--budget", "yes")
    assert code == 1 and "no contact with id 999" in err  # no such contact: a runtime error


def test_consent_command(db_path: Path, contact: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        db_path,
        capsys,
        "consent",
        str(contact),
        "granted",
        "--how",
        "Business card: ticked the box",
    )
    assert code == 0 and "granted" in out
    code, out, _ = run(db_path, capsys, "show", str(contact), "--json")
    data = json.loads(out)
    assert (data["consent"], data["consent_how"]) == ("granted", "Business card: ticked the box")
    assert {"rule": "Consent to marketing granted", "points": 5} in data["score_breakdown"]
    code, _out, _err = run(db_path, capsys, "consent", str(contact), "perhaps")
    assert code == 2


def test_next_action_and_first_response(
    db_path: Path, contact: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db_path, capsys, "next-action", str(contact), "tomorrow")[0] == 0
    data = json.loads(run(db_path, capsys, "show", str(contact), "--json")[1])
    assert data["next_action_at"] is not None
    assert run(db_path, capsys, "next-action", str(contact), "none")[0] == 0
    assert run(db_path, capsys, "log", str(contact), "call")[0] == 0
    data = json.loads(run(db_path, capsys, "show", str(contact), "--json")[1])
    assert data["next_action_at"] is None
    assert data["first_response_at"] is not None and data["follow_up"] == "answered"
    assert run(db_path, capsys, "next-action", str(contact), "someday")[0] == 2


def test_stats_json_and_sources(
    db_path: Path, db: Database, contact: int, capsys: pytest.CaptureFixture[str]
) -> None:
    other = create_contact(
        db, name="Ben", email="ben@firm.de", stage="suspect", source="Mailing: spring"
    )
    assert other
    code, out, _ = run(db_path, capsys, "sources", "set-reached", "Web form", "40")
    assert code == 0
    code, out, _ = run(db_path, capsys, "stats", "--json")
    data = json.loads(out)
    assert data["total"] == 2
    assert (data["inquiries"], data["qualified"], data["customers"]) == (1, 0, 0)
    assert data["qualification_rate"] == 0.0 and data["conversion_rate"] is None
    assert data["response_rate"] == pytest.approx(1 / 40)
    assert [f["stage"] for f in data["funnel"]] == [
        "inquiry",
        "mql",
        "sql",
        "opportunity",
        "customer",
    ]
    assert set(data["funnel"][0]) >= {"stage", "count", "conversion_to_next"}
    assert data["by_source"]["Web form"]["inquiries"] == 1
    for key in ("median_first_response_hours", "unanswered_share", "never_followed_up_share"):
        assert key in data
    code, out, _ = run(db_path, capsys, "stats", "--json", "--source", "mailing")
    assert json.loads(out)["inquiries"] == 0
    code, out, _ = run(
        db_path, capsys, "stats", "--json", "--since", "2000-01-01", "--until", "2000-12-31"
    )
    assert json.loads(out)["inquiries"] == 0
    code, _out, err = run(db_path, capsys, "stats", "--since", "yesterday-ish")
    assert "not an ISO 8601 date" in err
    assert code == 2
    code, out, _ = run(db_path, capsys, "sources", "--json")
    listed = {r["source"]: r for r in json.loads(out)}
    assert listed["Web form"] == {"source": "Web form", "contacts": 1, "reached": 40}
    code, _out, _err = run(db_path, capsys, "sources", "set-reached", "X", "-3")
    assert code == 2


def test_rescore_command(db_path: Path, contact: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(db_path, capsys, "rescore")
    assert code == 0 and "Rescored 1 contacts" in out

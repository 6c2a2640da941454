"""``winnow check`` and ``winnow personas`` from the command line, against loopback DNS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.contacts import create_contact
from db.engine import Database
from tests.dnsserver import LoopbackDnsServer

KEYS = {
    "id",
    "email",
    "valid",
    "normalized_email",
    "domain",
    "registrable_domain",
    "domain_class",
    "typo_of",
    "role_account",
    "dns_status",
    "mx",
    "mail_host",
    "website",
    "persona",
    "verdict",
    "checked_at",
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_json(
    db: Database, db_url: str, dns_server: LoopbackDnsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    a = create_contact(
        db,
        name="Anna",
        email="Anna@Acme-Widgets.example",
        title="Head of purchasing",
        company_size=80,
    )
    b = create_contact(db, name="Bob", email="bob@gmail.com")
    c = create_contact(db, name="Carl", email="info@acme-widgets.example")
    code, out, err = run(
        capsys,
        "--db",
        db_url,
        "check",
        str(a),
        str(b),
        str(c),
        "--json",
        "--nameserver",
        dns_server.address,
    )
    assert code == 0, err
    data = json.loads(out)
    assert [d["id"] for d in data] == [a, b, c]
    assert set(data[0]) >= KEYS
    first = data[0]
    assert first["valid"] is True
    assert first["normalized_email"] == "Anna@acme-widgets.example"
    assert first["registrable_domain"] == "acme-widgets.example"
    assert (first["domain_class"], first["dns_status"], first["mail_host"]) == (
        "branded",
        "ok",
        "microsoft",
    )
    assert first["mx"] == ["acme-widgets-example.mail.protection.outlook.com"]
    assert first["persona"]["name"] == "Plant buyer"
    assert {r["outcome"] for r in first["persona"]["reasons"]} <= {"pass", "fail", "unknown"}
    assert "mail on Microsoft 365" in first["verdict"]
    assert data[1]["domain_class"] == "free"
    assert data[2]["role_account"] is True
    # one MX query per domain, however many contacts share it
    assert dns_server.query_count("acme-widgets.example", "MX") == 1


def test_check_all_and_cached_second_run(
    db: Database, db_url: str, dns_server: LoopbackDnsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(6):
        create_contact(db, name=f"P{i}", email=f"p{i}@gwork.example")
    code, out, _ = run(capsys, "--db", db_url, "check", "--all", "--nameserver", dns_server.address)
    assert code == 0
    assert out.count("mail on Google Workspace") == 6
    dns_server.reset_counts()
    code, out, _ = run(
        capsys, "--db", db_url, "check", "--all", "--json", "--nameserver", dns_server.address
    )
    assert dns_server.query_count() == 0
    assert all(d["checked_at"] for d in json.loads(out))
    code, out, _ = run(
        capsys,
        "--db",
        db_url,
        "check",
        "--all",
        "--json",
        "--refresh",
        "--nameserver",
        dns_server.address,
    )
    assert dns_server.query_count("gwork.example", "MX") == 1


def test_check_offline_sends_nothing(
    db: Database, db_url: str, dns_server: LoopbackDnsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    cid = create_contact(db, name="X", email="x@acme-widgets.example")
    code, out, _ = run(
        capsys,
        "--db",
        db_url,
        "check",
        str(cid),
        "--json",
        "--offline",
        "--nameserver",
        dns_server.address,
    )
    assert code == 0
    [entry] = json.loads(out)
    assert entry["dns_status"] == "offline"
    assert "mail host unknown" in entry["verdict"]
    assert dns_server.query_count() == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check"], "give contact ids to check, or --all"),
        (["check", "1", "--all"], "not both"),
        (["check", "999"], "no contact with id 999"),
        (["check", "--all", "--nameserver", "dns.example"], "must be an IP address"),
    ],
)
def test_check_usage_errors(
    db: Database, db_url: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    create_contact(db, name="One", email="one@acme-widgets.example")
    code, _, err = run(capsys, "--db", db_url, *argv)
    assert code == (1 if message.startswith("no contact") else 2)  # no such contact: exit 1
    assert message in err


def test_check_in_a_subprocess_with_the_environment(
    db: Database, db_url: str, dns_server: LoopbackDnsServer
) -> None:
    cid = create_contact(db, name="Anna", email="anna@nullmx.example")
    env = {**os.environ, "WINNOW_NAMESERVER": dns_server.address}
    proc = subprocess.run(
        [sys.executable, "-m", "app", "--db", db_url, "check", str(cid), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    [entry] = json.loads(proc.stdout)
    assert entry["dns_status"] == "null_mx"
    assert "domain accepts no mail (null MX)" in entry["verdict"]


def test_show_json_includes_golook(
    db: Database, db_url: str, dns_server: LoopbackDnsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    cid = create_contact(db, name="Anna", email="anna@selfhosted.example")
    run(capsys, "--db", db_url, "check", str(cid), "--nameserver", dns_server.address)
    code, out, _ = run(capsys, "--db", db_url, "show", str(cid), "--json")
    assert code == 0
    golook = json.loads(out)["golook"]
    assert golook["mail_host"] == "self"
    assert golook["mx"] == ["mx1.selfhosted.example", "mx2.selfhosted.example"]


def test_personas_cli(
    db: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--db", db_url, "personas")
    assert code == 0 and "Plant buyer" in out and "Seniority:" in out
    path = tmp_path / "p.json"
    code, out, _ = run(capsys, "--db", db_url, "personas", "export", str(path))
    assert code == 0 and "Exported 3 persona(s)" in out
    exported = json.loads(path.read_text(encoding="utf-8"))
    exported["personas"].append({"name": "Engineer", "title_include": ["engineer"]})
    path.write_text(json.dumps(exported), encoding="utf-8")
    cid = create_contact(db, name="E", email="e@gmail.com", title="Process engineer")
    code, out, _ = run(capsys, "--db", db_url, "personas", "import", str(path))
    assert code == 0 and "1 added, 3 updated" in out
    code, out, _ = run(capsys, "--db", db_url, "personas", "--json")
    assert [p["name"] for p in json.loads(out)][-1] == "Engineer"
    code, out, _ = run(capsys, "--db", db_url, "show", str(cid), "--json")
    assert json.loads(out)["persona_name"] == "Engineer"
    (tmp_path / "bad.json").write_text("[{}]", encoding="utf-8")
    code, _, err = run(capsys, "--db", db_url, "personas", "import", str(tmp_path / "bad.json"))
    assert code == 2 and 'needs a "name"' in err

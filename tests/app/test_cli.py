"""The CLI contract: the real command against a temp database file."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]


def winnow(
    *args: str, db: Path | str | None = None, env: dict[str, str] | None = None, check: bool = False
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "app", *args]
    if db is not None:
        cmd[3:3] = ["--db", str(db)]
    full_env = {**os.environ, **(env or {}), "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run(
        cmd, capture_output=True, text=True, cwd=ROOT, env=full_env, timeout=120
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_file(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path | str]:
    """2,000 demo contacts, in an SQLite file and in a PostgreSQL database."""
    cluster = None
    if request.param == "postgresql":
        cluster = request.getfixturevalue("postgresql_cluster")
        where: Path | str = cluster.new_database()
    else:
        where = tmp_path_factory.mktemp("cli") / "demo.sqlite"
    out = winnow("demo", "--contacts", "2000", "--seed", "3", db=where, check=True)
    assert "2,000" in out.stdout
    yield where
    if cluster is not None:
        cluster.drop_database(str(where))


def test_list_json_has_every_contact_with_the_contract_keys(demo_file: Path | str) -> None:
    rows = json.loads(winnow("list", "--json", db=demo_file, check=True).stdout)
    assert len(rows) == 2000
    for key in (
        "id",
        "name",
        "email",
        "company",
        "title",
        "stage",
        "source",
        "score",
        "created_at",
    ):
        assert key in rows[0]
    assert rows[0]["created_at"].endswith("+00:00")
    stages = {r["stage"] for r in rows}
    assert stages <= {
        "suspect",
        "inquiry",
        "mql",
        "sql",
        "opportunity",
        "customer",
        "nurture",
        "disqualified",
    }


def test_filters_on_the_command_line(demo_file: Path | str) -> None:
    rows = json.loads(
        winnow("list", "--json", "--stage", "customer", db=demo_file, check=True).stdout
    )
    assert rows and all(r["stage"] == "customer" for r in rows)
    rows = json.loads(
        winnow("list", "--json", "--source", "hannover", db=demo_file, check=True).stdout
    )
    assert rows and all("Hannover" in r["source"] for r in rows)
    some = rows[0]["name"].split()[0]
    rows = json.loads(winnow("list", "--json", "--search", some, db=demo_file, check=True).stdout)
    assert rows and all(some.lower() in json.dumps(r, ensure_ascii=False).lower() for r in rows)


def test_move_shows_up_in_the_history(db_url: str) -> None:
    db = db_url
    winnow("demo", "--contacts", "20", db=db, check=True)
    rows = json.loads(winnow("list", "--json", "--stage", "suspect", db=db, check=True).stdout)
    cid = str(rows[0]["id"])
    # Sales qualified needs the qualification (or an override reason: see test_gates)
    qualify = ("--budget", "yes", "--authority", "yes", "--need", "yes", "--timeframe", "yes")
    winnow("qualify", cid, *qualify, db=db, check=True)
    winnow(
        "move",
        cid,
        "sql",
        "--why",
        "Called: budget approved",
        "--at",
        "2026-11-20T10:00:00+00:00",
        db=db,
        check=True,
    )
    shown = json.loads(winnow("show", cid, "--json", db=db, check=True).stdout)
    assert shown["stage"] == "sql"
    last = shown["history"][-1]
    assert last == {
        "from": "suspect",
        "to": "sql",
        "at": "2026-11-20T10:00:00+00:00",
        "reason": "Called: budget approved",
        "automatic": False,
        "undone": False,
        # who moved it: the OS user on SQLite, the login role on PostgreSQL (app.identity)
        "actor": getpass.getuser() if "://" not in db else make_url(db).username,
    }
    assert shown["history"][0]["from"] is None
    assert isinstance(shown["activities"], list)


def test_log_activity_and_stages_commands(db_url: str) -> None:
    db = db_url
    winnow("demo", "--contacts", "5", db=db, check=True)
    winnow(
        "log",
        "1",
        "call",
        "--note",
        "Left a voicemail",
        "--at",
        "2026-11-21T08:00:00Z",
        db=db,
        check=True,
    )
    shown = json.loads(winnow("show", "1", "--json", db=db, check=True).stdout)
    assert {
        "type": "call",
        "note": "Left a voicemail",
        "at": "2026-11-21T08:00:00+00:00",
    }.items() <= shown["activities"][-1].items()
    winnow("stages", "rename", "mql", "Marketing-qualified lead", db=db, check=True)
    winnow("stages", "add", "sal", "Sales accepted", "--after", "sql", db=db, check=True)
    listing = json.loads(winnow("stages", "--json", db=db, check=True).stdout)
    keys = [s["key"] for s in listing]
    assert keys[:5] == ["suspect", "inquiry", "mql", "sql", "sal"]
    assert listing[2]["name"] == "Marketing-qualified lead"
    stats = json.loads(winnow("stats", "--json", db=db, check=True).stdout)
    assert stats["total"] == 5 and stats["stages"]["sal"] == 0


def test_usage_errors_exit_2_with_the_valid_keys(db_url: str) -> None:
    db = db_url
    winnow("demo", "--contacts", "3", db=db, check=True)
    out = winnow("move", "1", "lead", db=db)
    assert out.returncode == 2
    assert "suspect, inquiry, mql, sql, opportunity, customer, nurture, disqualified" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    out = winnow("list", "--stage", "won", db=db)
    assert out.returncode == 2 and "valid keys" in out.stderr
    out = winnow("show", "4242", db=db)  # well formed, but no such contact: a runtime error
    assert out.returncode == 1 and "no contact with id 4242" in out.stderr
    out = winnow("log", "1", "lunch", db=db)
    assert out.returncode == 2 and "inquiry-received" in out.stderr
    assert winnow("frobnicate", db=db).returncode == 2


def test_runtime_errors_exit_1_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "contacts.csv"
    bad.write_text("Name,E-mail\nBob,bob@example.com\n", encoding="utf-8")
    out = winnow("list", db=bad)
    assert out.returncode == 1
    assert "not an SQLite database" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert bad.read_text(encoding="utf-8") == "Name,E-mail\nBob,bob@example.com\n"


def test_winnow_db_environment_variable(db_url: str) -> None:
    winnow("demo", "--contacts", "7", env={"WINNOW_DB": db_url}, check=True)
    rows = json.loads(winnow("list", "--json", env={"WINNOW_DB": db_url}, check=True).stdout)
    assert len(rows) == 7


def test_html_in_a_name_is_kept_as_text(db_url: str) -> None:
    from app.contacts import create_contact
    from db.engine import open_database

    db_file = db_url
    database = open_database(db_file)
    create_contact(database, first_name="<b>Bob</b>", last_name="Smith", email="bob@example.com")
    database.close()
    rows = json.loads(winnow("list", "--json", db=db_file, check=True).stdout)
    assert rows[0]["name"] == "<b>Bob</b> Smith"


# --- exit codes as the README's table says ----------------------------------------------------

EXIT_CODES = [
    # an id that names nothing: 1
    (["show", "9999"], 1, "no contact with id 9999"),
    (["move", "9999", "mql"], 1, "no contact with id 9999"),
    (["log", "9999", "call"], 1, "no contact with id 9999"),
    (["qualify", "9999", "--budget", "yes"], 1, "no contact with id 9999"),
    (["consent", "9999", "granted"], 1, "no contact with id 9999"),
    (["next-action", "9999", "tomorrow"], 1, "no contact with id 9999"),
    (["deal", "9999", "100"], 1, "no contact with id 9999"),
    (["task", "add", "9999", "Call", "--due", "tomorrow"], 1, "no contact with id 9999"),
    (["task", "done", "9999"], 1, "no task 9999"),
    (["activity", "delete", "9999"], 1, "no activity 9999"),
    (["merge", "1", "9999"], 1, "no contact with id 9999"),
    (["undo", "9999"], 1, "no operation 9999"),
    (["redo", "9999"], 1, "no operation 9999"),
    (["undo-import", "9999"], 1, "no import batch with id 9999"),
    (["check", "9999", "--offline"], 1, "no contact with id 9999"),
    (["import", "/nonexistent/contacts.csv"], 1, "file not found"),
    (["personas", "import", "/nonexistent/personas.json"], 1, "no such file"),
    # refused by the data: 1
    (["redo"], 1, "nothing to redo"),
    # the command line cannot be right: 2
    (["move", "1", "nosuch"], 2, "valid keys"),
    (["list", "--stage", "won"], 2, "valid keys"),
    (["log", "1", "lunch"], 2, "inquiry-received"),
    (["qualify", "1", "--set", "money=yes"], 2, "unknown criterion"),
    (["stages", "rename", "nokey", "X"], 2, "unknown stage key"),
    (["criteria", "rename", "nokey", "X"], 2, "unknown criterion"),
    (["next-action", "1", "someday"], 2, "ISO 8601"),
    (["stats", "--since", "garbage"], 2, "ISO 8601"),
    (["deal", "1", "abc"], 2, "not an amount"),
    (["activity", "edit", "1"], 2, "nothing to change"),
    (["merge", "1", "1"], 2, "at least one other"),
    (["check"], 2, "--all"),
    (["export", "/tmp/contacts.txt"], 2, ".csv or .vcf"),
    (["tasks", "--due", "never"], 2, "invalid choice"),
    (["show", "x"], 2, "not a whole number"),
    (["show"], 2, "required"),
    (["frobnicate"], 2, "invalid choice"),
]


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("exit") / "small.sqlite"
    winnow("demo", "--contacts", "5", "--quiet", db=path, check=True)
    return path


@pytest.mark.parametrize(
    "args,code,says", EXIT_CODES, ids=lambda v: " ".join(v) if isinstance(v, list) else str(v)
)
def test_exit_codes_are_the_readme_s(small_db: Path, args: list[str], code: int, says: str) -> None:
    out = winnow(*args, db=small_db)
    assert (out.returncode, len(out.stderr.strip().splitlines())) == (code, 1), out.stderr
    assert says in out.stderr and "Traceback" not in out.stderr


def test_the_readme_lists_every_exit_code_case() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Exit codes") :]
    section = section[: section.index("\n## ")]
    for phrase in (
        "no such contact",
        "unknown stage key",
        "--create",
        "no display",
        "nothing to undo",
    ):
        assert phrase in section, phrase


# --- --db in a folder that does not exist ---------------------------------------------------------


def test_db_in_a_missing_folder_is_a_usage_error_unless_create(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "folder" / "crm.sqlite"
    out = winnow("list", db=target)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert str(target.parent) in out.stderr and "--create" in out.stderr
    assert not (tmp_path / "no").exists()  # nothing was made
    out = winnow("list", env={"WINNOW_DB": str(target)})
    assert out.returncode == 2 and "WINNOW_DB" in out.stderr
    out = winnow("--db", str(target), "--create", "demo", "--contacts", "3", "--quiet")
    assert out.returncode == 0, out.stderr
    assert target.is_file()
    out = winnow("list", "--json", db=target)  # the folder is there now: no --create needed
    assert out.returncode == 0 and len(json.loads(out.stdout)) == 3
    assert winnow("list", "--create", db=tmp_path / "other" / "b.sqlite").returncode == 0
    url = f"sqlite:///{tmp_path}/by-url/c.sqlite"  # an SQLite URL is a file too
    out = winnow("list", db=url)
    assert out.returncode == 2 and "--create" in out.stderr
    assert winnow("list", "--create", db=url).returncode == 0
    assert (tmp_path / "by-url" / "c.sqlite").is_file()


def test_window_with_db_in_a_missing_folder_says_so_before_any_window(tmp_path: Path) -> None:
    out = winnow(db=tmp_path / "nope" / "crm.sqlite", env={"QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 2 and "does not exist" in out.stderr
    assert not (tmp_path / "nope").exists()


# --- quiet: nothing on stderr for a normal command --------------------------------------------


def test_a_normal_command_prints_nothing_on_stderr(small_db: Path) -> None:
    for args in (["list"], ["show", "1"], ["stats"], ["tasks"], ["history"], ["stages"]):
        out = winnow(*args, db=small_db)
        assert out.returncode == 0 and out.stderr == "", (args, out.stderr)
    fresh = small_db.parent / "fresh.sqlite"  # a new database: created and migrated, quietly
    out = winnow("list", db=fresh)
    assert out.returncode == 0 and out.stderr == "", out.stderr


def test_list_batch_shows_the_contacts_of_one_import(tmp_path: Path) -> None:
    """``winnow list --batch ID``: every contact that import created, and no other."""
    db = tmp_path / "batches.sqlite"
    samples = ROOT / "resources" / "samples"
    winnow("import", str(samples / "hannover-messe-badges.csv"), db=db, check=True)
    winnow("import", str(samples / "google-contacts.csv"), db=db, check=True)
    batches = json.loads(winnow("imports", "--json", db=db, check=True).stdout)
    assert len(batches) == 2
    every = json.loads(winnow("list", "--json", db=db, check=True).stdout)
    seen: set[int] = set()
    for batch in batches:
        rows = json.loads(
            winnow("list", "--batch", str(batch["id"]), "--json", db=db, check=True).stdout
        )
        ids = {r["id"] for r in rows}
        assert len(ids) == batch["imported"] > 0 and not ids & seen, batch
        seen |= ids
    assert seen == {r["id"] for r in every}
    missing = winnow("list", "--batch", "999", db=db)
    assert missing.returncode == 1 and "no import batch with id 999" in missing.stderr

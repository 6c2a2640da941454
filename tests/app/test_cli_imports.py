"""``winnow --help`` and usage errors stay light: the process never loads SQLAlchemy, Qt or
dnspython for them (the import set, not a timing: benchmarks/bench_cli.py times them)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "PySide6", "shiboken6", "dns", "alembic", "ui")

# runs ``winnow ARGS`` in this process, then prints the top-level packages it loaded
PROBE = """
import json, sys
from app.cli import main
try:
    code = main(json.loads(sys.argv[1]))
except SystemExit as exc:
    code = exc.code
print(json.dumps([code, sorted({m.split('.')[0] for m in sys.modules})]))
"""


def _loaded(args: list[str], tmp_path: Path) -> tuple[int, set[str]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "WINNOW_DB": str(tmp_path / "x")},
    )
    code, modules = json.loads(out.stdout.splitlines()[-1])
    return code, set(modules)


@pytest.mark.parametrize(
    "args,code",
    [
        (["--help"], 0),
        (["--version"], 0),
        (["list", "--help"], 0),
        (["stats", "--help"], 0),
        (["frobnicate"], 2),
        (["list", "--bogus"], 2),
        (["show"], 2),
        (["show", "not-a-number"], 2),
        (["tasks", "--due", "never"], 2),
        (["consent", "1", "maybe"], 2),
    ],
    ids=lambda a: " ".join(a) if isinstance(a, list) else str(a),
)
def test_help_and_usage_errors_load_no_database_qt_or_dns_modules(
    tmp_path: Path, args: list[str], code: int
) -> None:
    got, modules = _loaded(args, tmp_path)
    assert got == code
    assert "app" in modules and "argparse" in modules  # the probe did run the command line
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))
    assert not (tmp_path / "x").exists()  # nor opened (created) the database


EVERY_HELP = """
import json, sys
from app.cli import build_parser, main
commands = sorted(build_parser()._subparsers._group_actions[0].choices)
codes = {}
for command in commands:
    try:
        codes[command] = main([command, "--help"])
    except SystemExit as exc:
        codes[command] = exc.code
print(json.dumps([codes, sorted({m.split('.')[0] for m in sys.modules})]))
"""


def test_every_subcommands_help_loads_no_database_qt_or_dns_modules(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", EVERY_HELP],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "WINNOW_DB": str(tmp_path / "x")},
    )
    codes, modules = json.loads(out.stdout.splitlines()[-1])
    assert len(codes) > 30 and {"stats", "list", "import", "demo"} <= set(codes)
    assert set(codes.values()) == {0}, codes
    assert set(modules).isdisjoint(HEAVY), sorted(set(modules) & set(HEAVY))


def test_a_real_command_does_load_the_database(tmp_path: Path) -> None:
    """The probe can see SQLAlchemy when it is there (the test above can fail), and Alembic
    when a migration runs (here: the new database is made)."""
    got, modules = _loaded(["list"], tmp_path)
    assert got == 0 and "sqlalchemy" in modules and "alembic" in modules


# what a read of a database that needs no migration does not load: Alembic (and Mako, its
# templates), the import service (only when an import was left running), the window, DNS
READ_NEVER = ("alembic", "mako", "PySide6", "shiboken6", "ui", "dns")
READ_NEVER_IN_APP = ("app.importing", "app.integrity", "db.migrate")
# nor, for a list or the stats, what only writing a contact needs: phone numbers' and e-mail
# addresses' rules
LIST_NEVER = ("phonenumbers", "email_validator")
# nor, for the stats, the app's modules of other commands (scoring, go-look, the contacts' own)
STATS_NEVER_IN_APP = ("app.scoring", "app.golook", "app.contacts", "app.operations", "app.search")


def _loaded_modules(args: list[str], tmp_path: Path) -> tuple[int, set[str]]:
    """``winnow ARGS`` in a fresh process: its exit code and every module it loaded."""
    probe = PROBE.replace("{m.split('.')[0] for m in sys.modules}", "sys.modules")
    assert probe != PROBE
    out = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "WINNOW_DB": str(tmp_path / "x")},
    )
    code, modules = json.loads(out.stdout.splitlines()[-1])
    return code, set(modules)


@pytest.mark.parametrize(
    "args",
    [["stats", "--json"], ["stats"], ["list"], ["show", "1", "--json"], ["show", "1"]],
    ids=" ".join,
)
def test_a_read_of_a_current_database_loads_no_migration_tool(
    tmp_path: Path, args: list[str]
) -> None:
    from app import operations
    from app.store import open_store

    db = open_store(tmp_path / "x")
    try:
        operations.create_contact(db, first_name="Ada", email="ada@example.com")
    finally:
        db.close()
    got, modules = _loaded_modules(args, tmp_path)
    assert got == 0
    assert "sqlalchemy" in modules  # the probe sees what the command loaded
    if args[0] == "stats":
        assert "app.metrics" in modules
    tops = {m.split(".")[0] for m in modules}
    assert tops.isdisjoint(READ_NEVER), sorted(tops & set(READ_NEVER))
    loaded = {m for m in modules if m.startswith(READ_NEVER_IN_APP)}
    assert not loaded, sorted(loaded)
    # nor, on SQLite, SQLAlchemy's PostgreSQL dialect (db.models: the partial indexes)
    assert not {m for m in modules if m.startswith("sqlalchemy.dialects.postgresql")}
    if args[0] in ("list", "stats"):
        assert tops.isdisjoint(LIST_NEVER), sorted(tops & set(LIST_NEVER))
    if args[0] == "stats":
        loaded = {m for m in modules if m.startswith(STATS_NEVER_IN_APP)}
        assert not loaded, sorted(loaded)


def test_an_import_left_running_loads_the_import_service_to_remove_it(tmp_path: Path) -> None:
    """The probe above can see ``app.importing``: when a batch is marked running, opening
    loads the service and removes the batch of a process that is gone."""
    from sqlalchemy import text

    from app.store import open_store

    db = open_store(tmp_path / "x")
    try:
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO import_batches (created_at, state, owner, heartbeat_at,"
                    " read_count, imported_count, updated_count, skipped_count, rejected_count)"
                    " VALUES (:at, 'running', 'elsewhere:4242', :at, 0, 0, 0, 0, 0)"
                ),
                {"at": "2020-01-01 00:00:00"},
            )
    finally:
        db.close()
    got, modules = _loaded_modules(["stats", "--json"], tmp_path)
    assert got == 0 and "app.importing.service" in modules
    with closing(sqlite3.connect(tmp_path / "x")) as con:
        assert con.execute("SELECT count(*) FROM import_batches").fetchone()[0] == 0


def test_the_offered_choices_are_the_owners() -> None:
    from app import activities, consent, contacts, stages, todo
    from app.commands import choices

    assert tuple(sorted(contacts.SORT_COLUMNS)) == choices.SORT_COLUMNS
    assert tuple(activities.ACTIVITY_TYPES) == choices.ACTIVITY_TYPES
    assert tuple(stages.KINDS) == choices.STAGE_KINDS
    assert tuple(consent.CONSENT_STATES) == choices.CONSENT_STATES
    assert tuple(todo.TASK_KINDS) == choices.TASK_KINDS
    assert tuple(todo.DUE_FILTERS) == choices.DUE_FILTERS


FREEZE_PROBE = """
import gc, sys
from app.cli import main
args = sys.argv[1:]
called = main(args)  # as a test or a script calls it, in its own process
frozen_after_call = gc.get_freeze_count()
sys.argv = ["winnow", *args]
code = main()  # the process's own command line
print(called, frozen_after_call, code, gc.get_freeze_count() > 0, gc.isenabled())
"""


def test_the_process_command_line_skips_the_last_full_collection(tmp_path: Path) -> None:
    """``main()`` on the process's own arguments freezes what is alive when it returns (the
    interpreter's last collection walks nothing then); ``main(args)``, as tests and scripts
    call it in their own process, leaves the collector alone."""
    for args, code in ((["frobnicate"], 2), (["list"], 0)):
        out = subprocess.run(
            [sys.executable, "-c", FREEZE_PROBE, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "WINNOW_DB": str(tmp_path / "x")},
        )
        assert out.stdout.splitlines()[-1] == f"{code} 0 {code} True True", out.stderr


IMPORTS_FROZEN_PROBE = """
import gc, sys
from app import cli
before_exit = cli._before_exit
frozen = []
cli._before_exit = lambda: (frozen.append(gc.get_freeze_count()), before_exit())
sys.argv = ["winnow", *sys.argv[1:]]
code = cli.main()
print(code, frozen[0])
"""


def test_the_process_command_line_freezes_what_its_imports_made(tmp_path: Path) -> None:
    """A command run as the process's own command line freezes the database layer's objects
    once imported, before the command runs: its collections then never walk them (counted
    when it returns, before the last freeze)."""
    from app.store import open_store

    open_store(tmp_path / "x").close()
    out = subprocess.run(
        [sys.executable, "-c", IMPORTS_FROZEN_PROBE, "stats", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "WINNOW_DB": str(tmp_path / "x")},
    )
    code, frozen = out.stdout.split()[-2:]
    assert code == "0", out.stderr
    assert int(frozen) > 50_000  # SQLAlchemy's and the models' objects (~100,000; 0 before)


PARSES = [
    ["stats", "--json"],
    ["--db", "stats", "list", "--json"],  # --db's value is no command
    ["--db=x.sqlite", "stats", "--since", "2024-01-01"],
    ["--d", "list", "show", "3"],  # --db abbreviated, as argparse takes it
    ["--create", "stages", "rename", "new", "New"],
    ["stages"],
    ["team", "init", "postgresql://host/crm"],
    ["list", "--bogus"],  # the errors are the full parser's
    ["stat"],
    ["show"],
    ["show", "--json", "7"],
    [],
    ["--db", "x"],
    ["--", "list"],
    ["--create", "--db=x"],  # no command: parsed without any command's module
    ["--cr", "--d", "x"],
    ["--db"],
    ["--bogus"],
    ["--db", "x", "--db", "y"],
]


@pytest.mark.parametrize("args", PARSES, ids=lambda a: " ".join(a) or "(none)")
def test_the_command_parsed_alone_parses_as_with_every_command(args: list[str]) -> None:
    from app.cli import CliUsageError, _parse, build_parser

    def parsed(parse: Any) -> Any:
        try:
            return vars(parse(args))
        except CliUsageError as exc:
            return str(exc)

    assert parsed(_parse) == parsed(build_parser().parse_args)


def test_the_commands_not_run_are_listed_but_not_built() -> None:
    from app.cli import build_parser

    def commands(parser: Any) -> dict[str, Any]:
        return dict(parser._subparsers._group_actions[0].choices)

    full, alone, none = build_parser(), build_parser(only=("stats",)), build_parser(only=())
    assert commands(full).keys() == commands(alone).keys() == commands(none).keys()
    assert full.format_help() == alone.format_help() == none.format_help()
    assert commands(alone)["stats"].format_help() == commands(full)["stats"].format_help()
    assert "--json" in commands(full)["list"].format_help()
    assert "--json" not in commands(alone)["list"].format_help()  # only listed
    assert commands(none)["stats"]._actions == []


def test_the_window_s_command_line_imports_no_command_s_module(tmp_path: Path) -> None:
    """``winnow --db FILE`` (the window): parsed without the commands' modules."""
    script = (
        "import sys\n"
        "from app.cli import _parse\n"
        "print(sorted(vars(_parse(['--db', 'x.sqlite'])).items()))\n"
        "print(sorted(m for m in sys.modules if m.startswith('app.commands')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["[('command', None), ('db', 'x.sqlite')]", "[]"]

"""No traceback for anything a user can type; stored text never reaches the terminal raw."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from app.cli import main, terminal_text
from app.contacts import create_contact
from db.engine import open_database

HOSTILE = {
    "ESC colour": "Jürgen\x1b[31mRed\x1b[0m",
    "ESC title": "Acme\x1b]0;pwned\x07",
    "BEL": "ring\x07ring",
    "right-to-left override": "invoice\u202efdp.exe",
    "isolates": "\u2066left\u2069 \u2067right\u2069 \u2068first\u2069",
    "marks": "a\u200eb\u200fc\u061cd",
    "C1 CSI": "clear\x9b2J",
    "C1 NEL": "next\x85line",
    "backspace": "safe\x08\x08\x08\x08evil",
    "carriage return": "fine\rEVIL",
    "DEL": "x\x7fy",
    "NUL": "a\x00b",
    "line separator": "one\u2028two\u2029three",
    "vertical tab": "a\x0bb\x0cc",
}
# what a terminal acts on: C0 (but the layout's own \n and \t), DEL, C1, bidi controls
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_terminal_text_replaces_every_control(value: str) -> None:
    safe = terminal_text(value)
    assert not FORBIDDEN.search(safe)
    assert len(safe) == len(value)  # one replacement character each: columns stay aligned
    assert terminal_text("Jürgen Weißmann · Öztürk A.Ş. — 日本 👩‍💻") == (
        "Jürgen Weißmann · Öztürk A.Ş. — 日本 👩‍💻"
    )


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def hostile_db(db_path: Path) -> Path:
    db = open_database(db_path)
    for label, value in HOSTILE.items():
        create_contact(
            db,
            first_name=value,
            last_name=label,
            email=f"{label.replace(' ', '.')}@example.com",
            company=value,
            title=value,
            source=value,
            notes=value,
        )
    db.close()
    return db_path


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["list", "--search", "example"],
        ["show", "1"],
        ["show", "5"],
        ["sources"],
        ["stats"],
        ["stages"],
        ["history"],
    ],
    ids=lambda c: " ".join(c),
)
def test_printed_text_has_its_controls_replaced(
    hostile_db: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code, out, err = run(capsys, "--db", str(hostile_db), *command)
    assert code == 0, err
    assert not FORBIDDEN.search(out), out
    assert not FORBIDDEN.search(err)


def test_a_stage_name_and_an_error_message_are_replaced_too(
    hostile_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--db", str(hostile_db), "stages", "rename", "mql", "\x1b[2JMQL")
    assert code == 0 and not FORBIDDEN.search(out)
    _code, out, _err = run(capsys, "--db", str(hostile_db), "stages")
    assert "\ufffd[2JMQL" in out
    code, _out, err = run(capsys, "--db", str(hostile_db), "move", "1", "\x1b[2Jnope")
    assert code == 2 and not FORBIDDEN.search(err)


def test_json_keeps_the_stored_text_exactly(
    hostile_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(capsys, "--db", str(hostile_db), "list", "--json")
    assert code == 0
    con = sqlite3.connect(hostile_db)
    stored = dict(con.execute("SELECT id, company FROM contacts").fetchall())
    con.close()
    assert {row["id"]: row["company"] for row in json.loads(out)} == stored
    assert HOSTILE["ESC colour"] in stored.values()  # the controls are there to be kept
    code, out, _err = run(capsys, "--db", str(hostile_db), "show", "4", "--json")
    assert json.loads(out)["title"] == HOSTILE["right-to-left override"]


TOO_BIG = "99999999999999999999"


@pytest.mark.parametrize(
    "command",
    [
        ["show", TOO_BIG],
        ["show", "--json", TOO_BIG],
        ["move", TOO_BIG, "customer"],
        ["move", "1", TOO_BIG, "customer"],
        ["log", TOO_BIG, "call"],
        ["qualify", TOO_BIG, "--budget", "yes"],
        ["consent", TOO_BIG, "granted"],
        ["next-action", TOO_BIG, "tomorrow"],
        ["check", TOO_BIG, "--offline"],
        ["undo", TOO_BIG],
        ["redo", TOO_BIG],
        ["undo-import", TOO_BIG],
        ["list", "--limit", TOO_BIG],
        ["demo", "--contacts", TOO_BIG],
        ["sources", "set-reached", "Hannover", TOO_BIG],
        ["move", "1", "customer", "--at", "0001-01-01T00:00:00+14:00"],
        ["move", "1", "customer", "--at", "9999-12-31T23:59:59-14:00"],
        ["log", "1", "call", "--at", "0001-01-01T00:00:00+14:00"],
        ["log", "1", "call", "--at", "2026-13-45"],
        ["next-action", "1", "0001-01-01T00:00:00+14:00"],
        ["next-action", "1", "9999-12-31"],
        ["stats", "--since", "0001-01-01T00:00:00+14:00"],
        ["stats", "--until", "9999-12-31"],
        ["stats", "--since", "0001-01-01"],
    ],
    ids=lambda c: " ".join(c),
)
def test_out_of_range_ids_and_dates_are_usage_errors(
    hostile_db: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code, out, err = run(capsys, "--db", str(hostile_db), *command)
    assert code == 2, (out, err)
    (line,) = err.splitlines()
    assert "range" in line or "ISO 8601" in line
    assert "Traceback" not in err and "Overflow" not in err


def test_dates_at_the_edges_of_the_range_are_taken(
    hostile_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(
        capsys, "--db", str(hostile_db), "log", "1", "note", "--at", "1900-01-01T00:00:00+00:00"
    )
    assert code == 0, err
    # an activity is what happened: more than a day ahead is refused; a plan may be far ahead
    far = "2999-12-31T23:59:59+00:00"
    code, _out, err = run(capsys, "--db", str(hostile_db), "log", "1", "note", "--at", far)
    assert code == 2 and "more than a day ahead" in err
    code, _out, err = run(capsys, "--db", str(hostile_db), "next-action", "1", far)
    assert code == 0, err
    code, out, err = run(capsys, "--db", str(hostile_db), "show", "1")
    assert code == 0 and "2999-12-31" in out and "1900-01-01" in out

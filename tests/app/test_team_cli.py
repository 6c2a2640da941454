"""Team mode on the command line (issue 14): assign, list --owner, edit --expect-version,
show --json's new keys, two processes racing on one contact, and team init on a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.cli import main
from tests.postgres_cluster import Cluster

ROOT = Path(__file__).resolve().parents[2]
BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@BOTH
def test_assign_edit_and_show_for_a_team(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "anna")
    me = "anna" if "://" not in db_url else make_url(db_url).username
    assert _cli(capsys, "--db", db_url, "demo", "--contacts", "5", "--quiet")[0] == 0
    code, out, _ = _cli(capsys, "--db", db_url, "list", "--json", "--sort", "name", "--ascending")
    ids = [str(r["id"]) for r in json.loads(out)]
    first = ids[0]
    shown = json.loads(_cli(capsys, "--db", db_url, "show", first, "--json")[1])
    assert (shown["owner"], shown["version"]) == (None, 1)
    assert {"stage", "history", "activities", "golook"} <= set(shown)  # the old keys stay

    code, out, err = _cli(capsys, "--db", db_url, "assign", "me", *ids[:2])
    assert code == 0, err
    assert out.strip() == f"Assigned 2 contacts to {me}"
    code, out, _ = _cli(capsys, "--db", db_url, "assign", "bob", ids[2], "--json")
    assert json.loads(out) == {"owner": "bob", "assigned": [int(ids[2])], "unchanged": []}
    mine = json.loads(_cli(capsys, "--db", db_url, "list", "--owner", "me", "--json")[1])
    assert sorted(str(r["id"]) for r in mine) == sorted(ids[:2])
    bobs = json.loads(_cli(capsys, "--db", db_url, "list", "--owner", "bob", "--json")[1])
    assert [str(r["id"]) for r in bobs] == [ids[2]]
    nobody = json.loads(_cli(capsys, "--db", db_url, "list", "--owner", "none", "--json")[1])
    assert sorted(str(r["id"]) for r in nobody) == sorted(ids[3:])
    # list --json says each contact's owner and version (beside the keys it always had)
    everyone = json.loads(_cli(capsys, "--db", db_url, "list", "--json")[1])
    owner_of = {str(r["id"]): r["owner"] for r in everyone}
    assert owner_of == {i: me if i in ids[:2] else "bob" if i == ids[2] else None for i in ids}
    assert {str(r["id"]): r["version"] for r in everyone} == {
        i: 2 if i in ids[:3] else 1 for i in ids
    }
    assert {"id", "name", "stage", "score", "created_at"} <= set(everyone[0])

    shown = json.loads(_cli(capsys, "--db", db_url, "show", first, "--json")[1])
    assert (shown["owner"], shown["version"], shown["changed_by"]) == (me, 2, me)
    code, out, err = _cli(
        capsys, "--db", db_url, "edit", first, "title=CTO", "phone=+49 30 1234567",
        "--expect-version", "2",
    )  # fmt: skip
    assert code == 0, err
    assert out.strip() == f"Changed Job title, Phone of contact {first} (now version 3)"
    # someone who read version 2 is refused, told who changed what; nothing saved
    monkeypatch.setenv("LOGNAME", "bob")
    code, out, err = _cli(
        capsys, "--db", db_url, "edit", first, "title=CEO", "--expect-version", "2"
    )
    assert code == 1 and out == ""
    assert f"was changed by {me} since version 2 (it is at version 3 now)" in err
    assert "Job title" in err and "Phone" in err and "Nothing was saved" in err
    shown = json.loads(_cli(capsys, "--db", db_url, "show", first, "--json")[1])
    assert shown["title"] == "CTO" and shown["version"] == 3
    # assign is undoable, and the log says who did what
    history = json.loads(_cli(capsys, "--db", db_url, "history", "--json")[1])
    assert [(h["kind"], h["actor"]) for h in history[:3]] == [
        ("edit", me),
        ("assign", me),
        ("assign", me),
    ]
    # bad input: exit 2
    assert _cli(capsys, "--db", db_url, "edit", first, "colour=red")[0] == 2
    assert _cli(capsys, "--db", db_url, "edit", first, "title")[0] == 2
    assert _cli(capsys, "--db", db_url, "assign", "anna", "x")[0] == 2
    assert _cli(capsys, "--db", db_url, "assign", "anna", "999999")[0] == 1


RACER = textwrap.dedent(
    """
    import json, sys
    from app import contacts, operations
    from app.versions import StaleVersion
    from db.engine import open_database

    url, cid, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    db = open_database(url)
    tries = []
    for _ in range(rounds):
        seen = contacts.get_contact(db, cid)  # read, then write in another transaction
        count = int(seen.notes or "0")
        try:
            operations.edit_contact(
                db, cid, {"notes": str(count + 1)}, expect_version=seen.version
            )
            tries.append([seen.version, True])
        except StaleVersion:
            tries.append([seen.version, False])
    db.close()
    print(json.dumps(tries))
    """
)


@BOTH
def test_two_processes_updating_one_contact_lose_nothing(db_url: str) -> None:
    from app import contacts, operations
    from db.engine import open_database

    db = open_database(db_url)
    cid = operations.create_contact(db, first_name="Race", email="race@example.com").value
    rounds = 1000
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, db_url, str(cid), str(rounds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        for _ in range(2)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    final = contacts.get_contact(db, cid)
    db.close()
    tries = [t for r in results for t in r]
    assert len(tries) == 2 * rounds
    accepted = sorted(v for v, ok in tries if ok)
    refused = [v for v, ok in tries if not ok]
    # no lost update: each accepted write was on a version nobody else wrote on, every one
    # counted once, and the count is the number of accepted writes
    assert accepted == list(range(1, len(accepted) + 1))
    assert final.version == len(accepted) + 1 and final.notes == str(len(accepted))
    # every refused write was stale: another one had already written on its version
    assert set(refused) <= set(accepted)
    assert refused, "the two processes never overlapped: the race was not run"
    assert all(any(ok for _v, ok in r) for r in results)


@pytest.fixture
def team_server(postgresql_cluster: Cluster) -> Iterator[tuple[Cluster, str]]:
    """A team database set up by ``winnow team init --apply`` (names unique in the cluster)."""
    tag = f"{os.getpid()}"
    yield postgresql_cluster, tag
    postgresql_cluster.execute(f"DROP DATABASE IF EXISTS team{tag} WITH (FORCE)")
    for role in (f"anna{tag}", f"bob{tag}", f"carol{tag}", f"crew{tag}", f"readers{tag}"):
        postgresql_cluster.execute(f"DROP ROLE IF EXISTS {role}")


def test_team_init_prints_the_sql_and_touches_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(
        capsys, "team", "init", "postgresql+psycopg://postgres@127.0.0.1:1/winnow",
        "--person", "anna", "--reader", "carol",
    )  # fmt: skip
    assert code == 0, err
    assert "CREATE DATABASE winnow OWNER winnow_users" in out
    assert "GRANT winnow_users TO anna;" in out and "GRANT winnow_readers TO carol;" in out
    assert "ALTER ROLE anna IN DATABASE winnow SET role = 'winnow_users';" in out
    assert "\\connect winnow" in out
    assert _cli(capsys, "team", "init", "sqlite:////tmp/x.sqlite")[0] == 2
    assert _cli(capsys, "team", "init", "postgresql://h/")[0] == 2


def test_team_init_apply_sets_up_people_who_see_each_others_work(
    team_server: tuple[Cluster, str], capsys: pytest.CaptureFixture[str]
) -> None:
    cluster, tag = team_server
    admin = cluster.url(f"team{tag}")
    code, out, err = _cli(
        capsys, "team", "init", admin, "--apply", "--group", f"crew{tag}",
        "--read-only-role", f"readers{tag}", "--person", f"anna{tag}", "--person", f"bob{tag}",
        "--reader", f"carol{tag}",
    )  # fmt: skip
    assert code == 0, err
    assert f"Created the team database team{tag}" in out
    again = _cli(
        capsys, "team", "init", admin, "--apply", "--group", f"crew{tag}", "--no-read-only-role"
    )
    assert again[0] == 1 and "already exists" in again[2] and "Traceback" not in again[2]

    def url(person: str) -> str:
        return str(make_url(admin).set(username=person))

    anna, bob, carol = url(f"anna{tag}"), url(f"bob{tag}"), url(f"carol{tag}")
    assert _cli(capsys, "--db", anna, "demo", "--contacts", "3", "--quiet")[0] == 0
    ids = [str(r["id"]) for r in json.loads(_cli(capsys, "--db", bob, "list", "--json")[1])]
    assert len(ids) == 3  # bob sees what anna's Winnow made
    assert _cli(capsys, "--db", anna, "assign", "me", ids[0])[0] == 0
    assert _cli(capsys, "--db", bob, "edit", ids[0], "title=Buyer", "--expect-version", "2")[0] == 0
    code, _out, err = _cli(
        capsys, "--db", anna, "edit", ids[0], "title=CEO", "--expect-version", "2"
    )
    assert code == 1 and f"changed by bob{tag}" in err
    history = json.loads(_cli(capsys, "--db", carol, "history", "--json")[1])
    assert [h["actor"] for h in history[:2]] == [f"bob{tag}", f"anna{tag}"]
    shown = json.loads(_cli(capsys, "--db", carol, "show", ids[0], "--json")[1])
    assert (shown["owner"], shown["changed_by"]) == (f"anna{tag}", f"bob{tag}")
    # the read-only person reads everything and changes nothing
    code, _out, err = _cli(capsys, "--db", carol, "assign", "me", ids[1])
    assert code == 1 and "permission denied" in err.lower()
    mine = json.loads(_cli(capsys, "--db", anna, "list", "--owner", "me", "--json")[1])
    assert [str(r["id"]) for r in mine] == [ids[0]]

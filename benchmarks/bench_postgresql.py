"""SQLite and PostgreSQL side by side (issue 14, target: PostgreSQL on loopback within 2×).

The same cases, the same code and the same demo data on both stores: the cached SQLite demo
file, and a throw-away PostgreSQL server on loopback (``tests/postgres_cluster.py``: Debian's
``postgresql`` package, no fsync) holding that file's rows (``winnow copy-to``). Each writing
case runs on its own copy; each case runs on SQLite and right after on PostgreSQL, so both see
the same load. Skipped (with the reason) where PostgreSQL is not installed.

Beside each case's figures, ``cpu_s`` gives the CPU time the whole case took (its wall time,
``wall_s``, beside it): this process and the processes it started (``client``), and the server's
processes (``server``: the postmaster's own and its children's, finished or running). On a
shared machine wall times swing with the load; CPU times much less.

``WINNOW_BENCH_PG_CASES`` (comma-separated case names, e.g. ``first_list_page_s,demo_s``)
runs only those cases: ``WINNOW_BENCH_PG_CASES=demo_s python -m benchmarks postgresql``.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import bench_import, bench_metrics, bench_operations, bench_spine
from benchmarks.common import (
    bench_size,
    compiled_bytecode_env,
    demo_database,
    scratch_copy,
    summary,
)

CASES_ENV = "WINNOW_BENCH_PG_CASES"


def _move_one(where: str, n: int, contacts: int) -> dict[str, float]:
    """A move of one contact as the window makes it (a drag on the board, a stage picked in
    the list): the operation ``app.operations.move_contacts`` (its write lock, history,
    version and undo log entry), on a database given by path or URL."""
    from app.operations import move_contacts
    from db.engine import open_database

    db = open_database(where)
    rng = random.Random(5)
    keys = ["inquiry", "mql", "sql", "nurture"]
    samples = []
    for _ in range(n):
        cid = rng.randint(1, contacts)
        start = time.perf_counter()
        move_contacts(db, [cid], rng.choice(keys))
        samples.append(time.perf_counter() - start)
    db.close()
    return summary(samples)


def _demo(where: str, n: int) -> float:
    from app.demo import generate_demo
    from db.engine import open_database

    db = open_database(where)
    start = time.perf_counter()
    generate_demo(db, n, seed=1)
    elapsed = time.perf_counter() - start
    db.close()
    return round(elapsed, 2)


def _import(fresh: Callable[[], str], csv_path: Path) -> float:
    """The CSV imported by a process of its own into a new database (``fresh()``), timed from
    the import's start to its end. As a user runs it: Python's compiled modules kept
    (``compiled_bytecode_env``, as bench_spine keeps them), filled by one run untimed into
    another new database (with ``PYTHONDONTWRITEBYTECODE`` a module without a current
    compiled copy was compiled again in every run, those the import imports as it goes inside
    the timed part)."""
    import json

    env = compiled_bytecode_env()
    seconds = 0.0
    for where in (fresh(), fresh()):  # the first untimed: the compiled modules written
        out = subprocess.run(
            [sys.executable, "-c", bench_import._WINNOW, str(csv_path), where],
            check=True,
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
        )
        seconds = float(json.loads(out.stdout.strip().splitlines()[-1])["seconds"])
    return round(seconds, 3)


class Store:
    """One database to run the cases on: ``read`` is the demo database, ``copy()`` a private
    copy of it, ``fresh()`` an empty migrated database."""

    def __init__(self, read: str, copy: Callable[[], str], fresh: Callable[[], str]) -> None:
        self.read, self.copy, self.fresh = read, copy, fresh


def _cases(n: int, csv_path: Path) -> dict[str, Callable[[Store], Any]]:
    def bulk(st: Store) -> dict[str, float]:
        out = bench_operations._bulk(st.copy(), n, n // 10, ["mql", "nurture", "sql"])
        return {step: out[step]["median_s"] for step in ("move", "undo", "redo")}

    def dashboard(st: Store) -> dict[str, float]:
        out = bench_metrics._dashboard(st.read, 3, n, render=False)
        return {k: out[k]["median_s"] for k in ("all_time", "last_12_weeks", "one_source")}

    def edits(st: Store) -> float:
        out = bench_metrics._edits(st.copy(), 100, n)
        return float(max(out[k]["p95_s"] for k in ("edit_title", "log_activity", "bant_answer")))

    return {
        "first_list_page_s": lambda st: round(
            min(bench_spine._first_page(st.read) for _ in range(3)), 4
        ),
        "search_typed_queries": lambda st: bench_spine._search(st.read),
        "move_one_contact": lambda st: _move_one(st.copy(), 200, n),
        "bulk_move": bulk,
        "dashboard_s": dashboard,
        "stats_cli_s": lambda st: bench_metrics._stats_cli(st.read, 3, n)["median_s"],
        "stats_cli_one_edit_behind_s": lambda st: bench_metrics._stats_cli_behind(st.copy(), 5, n),
        "recompute_after_rule_change_s": lambda st: bench_metrics._recompute(st.copy())[
            "after_rule_change_s"
        ],
        "edit_p95_s": edits,
        "import_10000_rows_s": lambda st: _import(st.fresh, csv_path),
        "demo_s": lambda st: _demo(st.fresh(), n),
    }


def _client_cpu() -> float:
    """CPU seconds of this process and of the finished processes it started."""
    own = time.process_time()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + kids.ru_utime + kids.ru_stime


def _server_cpu(datadir: Path) -> float:
    """CPU seconds of a running PostgreSQL server: the postmaster's, its finished children's
    (which it reaped) and its running children's (read from /proc; 0.0 where there is none).

    A child reaped between reading the postmaster's count of finished children and finding the
    child in /proc would be counted in neither (a case's backends end just before its last
    reading: a bulk move's case once read 0.8 s instead of 11): the reading is taken again
    until no child was reaped while it was taken."""
    try:
        pid = int((datadir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")

    def fields(stat: str) -> list[str]:
        return stat[stat.rindex(")") + 2 :].split()  # after "pid (name) "

    def postmaster() -> tuple[int, int] | None:
        """(its own ticks, its reaped children's)"""
        try:
            f = fields(Path(f"/proc/{pid}/stat").read_text())
        except OSError:
            return None
        return int(f[11]) + int(f[12]), int(f[13]) + int(f[14])  # utime stime, cutime cstime

    reading = 0.0
    for _attempt in range(20):
        before = postmaster()
        if before is None:
            return 0.0
        running = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                f = fields((entry / "stat").read_text())
            except OSError:
                continue  # ended meanwhile (and reaped: the check below sees it)
            if int(f[1]) == pid:
                running += int(f[11]) + int(f[12])  # a zombie keeps its times until reaped
        after = postmaster()
        if after is None:
            return 0.0
        reading = (after[0] + after[1] + running) / tick
        if after[1] == before[1]:
            break
    return reading


def _ratios(sqlite: dict[str, Any], pg: dict[str, Any]) -> dict[str, Any]:
    """PostgreSQL's time ÷ SQLite's, case by case (medians, p95 where the case has one)."""

    def flat(d: dict[str, Any], prefix: str = "") -> dict[str, float]:
        out: dict[str, float] = {}
        for k, v in d.items():
            if isinstance(v, dict):
                out.update(flat(v, f"{prefix}{k}."))
            elif isinstance(v, int | float) and not isinstance(v, bool) and not k.startswith("n"):
                out[f"{prefix}{k}"] = float(v)
        return out

    a, b = flat(sqlite), flat(pg)
    return {k: round(b[k] / a[k], 2) for k in a if k in b and a[k] > 0}


def run(quick: bool = False) -> dict[str, Any]:
    from tests.postgres_cluster import Cluster, PostgresUnavailable

    n = bench_size(quick)
    try:
        cluster = Cluster.start()
    except PostgresUnavailable as exc:
        return {"skipped": str(exc)}
    work = Path(tempfile.mkdtemp(prefix="winnow-bench-pg-"))
    copies: list[Path] = []  # the SQLite copies' folders, removed at the end (~170 MB each)

    def copy_of(source: Path) -> str:
        out = scratch_copy(source)
        copies.append(out.parent)
        return str(out)

    csv_path = work / "list_10000.csv"
    bench_import.write_sample_csv(csv_path, 10_000)
    try:
        cluster.create_template()
        source = demo_database(n)
        fresh_files = iter(range(1_000))

        def sqlite_copy() -> str:
            return copy_of(source)

        def sqlite_fresh() -> str:
            return str(work / f"fresh-{next(fresh_files)}.sqlite")

        demo_url = cluster.new_database()
        from app.copy_to import copy_to
        from db.engine import open_database

        laptop = open_database(source)
        start = time.perf_counter()
        copy_to(laptop, demo_url)  # the same rows as the SQLite file
        copy_s = round(time.perf_counter() - start, 2)
        laptop.close()
        cluster.execute("VACUUM ANALYZE", database=demo_url)  # as autovacuum would, later

        def pg_copy() -> str:
            return cluster.copy_database(demo_url)

        stores = {
            "sqlite": Store(copy_of(source), sqlite_copy, sqlite_fresh),
            # a new database with no copy of the template left running beside the case (the
            # import's case ran beside one: a checkpoint and a database's files written)
            "postgresql": Store(demo_url, pg_copy, lambda: cluster.new_database(spare=False)),
        }
        results: dict[str, Any] = {"contacts": n, "load_average_before": os.getloadavg()}
        results.update({name: {} for name in stores})
        cost: dict[str, dict[str, dict[str, float]]] = {name: {} for name in stores}
        cases = _cases(n, csv_path)
        chosen = [c.strip() for c in os.environ.get(CASES_ENV, "").split(",") if c.strip()]
        unknown = sorted(set(chosen) - set(cases))
        if unknown:
            raise ValueError(
                f"{CASES_ENV}: no such case {', '.join(unknown)}; cases: {', '.join(cases)}"
            )
        if chosen:
            cases = {c: fn for c, fn in cases.items() if c in chosen}
        # case by case, one store right after the other: both see the same load
        for case, fn in cases.items():
            for name, store in stores.items():
                wall, client, server = time.perf_counter(), _client_cpu(), 0.0
                if name == "postgresql":
                    server = _server_cpu(cluster.datadir)
                results[name][case] = fn(store)
                used = {
                    "wall_s": time.perf_counter() - wall,
                    "client": _client_cpu() - client,
                    "server": _server_cpu(cluster.datadir) - server if server else 0.0,
                }
                cost[name][case] = {k: round(v, 2) for k, v in used.items()}
        results["cpu_s"] = cost
        results["copy_to_postgresql_s"] = copy_s
        results["postgresql_over_sqlite"] = _ratios(results["sqlite"], results["postgresql"])
        results["target_ratio"] = 2.0
        results["load_average_after"] = os.getloadavg()
        return results
    finally:
        cluster.stop()
        for folder in [work, *copies]:
            shutil.rmtree(folder, ignore_errors=True)

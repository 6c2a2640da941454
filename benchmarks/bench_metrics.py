"""Qualification benchmark (issue 6) at 100,000 demo contacts with full stage history.

- full score recompute after a rule change (every row rewritten): issue 15's target ≤ 2 s at
  100,000 contacts, ≤ 15 s at 1,000,000 (issue 6's was ≤ 5 s);
- one edit's score update (``update_contact`` with the scoring hook): target ≤ 20 ms (p95);
- ``winnow stats --json`` as a user runs it (a fresh process): issue 15's target ≤ 0.5 s at
  100,000 contacts, ≤ 0.8 s at 1,000,000 (``without_sqlalchemy``: whether it read the file
  with the driver alone, as it does when the file is at the head and its derived rows current);
- the dashboard's numbers (``app.metrics.dashboard_data``), all time, last 12 weeks, one
  source and the last 12 weeks of one source, and ``stats`` in process: issue 15's target
  ≤ 0.05 s at 100,000, ≤ 0.3 s at 1,000,000 — read from the derived tables
  (``app.aggregates``); the first read after the upgrade derives them (timed on its own), and
  each case is also timed the old way
  (``reference=True``, the history scanned) for comparison; and drawing them into the
  dashboard view offscreen.

Wall and CPU time for each (the machine may be shared: CPU time is the steadier).
``python -m benchmarks.bench_metrics --numbers [--db FILE]`` runs only the numbers' cases,
``--recompute [--db FILE]`` only the full score recompute (issue 15: ≤ 2 s at 100,000, ≤ 15 s at
1,000,000, in the background).
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.common import (
    bench_size,
    compiled_bytecode_env,
    demo_database,
    scratch_copy,
    summary,
)

TARGET_EDIT_S = 0.020


def _targets(contacts: int) -> tuple[float, float]:
    """(stats as a process, dashboard numbers) targets of issue 15 for this size."""
    return (0.5, 0.05) if contacts <= 100_000 else (0.8, 0.3)


def _recompute(path: Path | str) -> dict[str, Any]:
    from app import scoring
    from app.scoring_rules import ScoringRules
    from db.engine import open_database

    db = open_database(path)
    scoring.recompute_all(db)  # a cache made before scoring existed gets its scores first
    rules = scoring.scoring_settings(db).rules
    points = dict(rules.points)
    points["domain.branded"] = points["domain.branded"] + 1  # every branded score changes
    scoring.save_scoring_settings(db, rules=ScoringRules(points, rules.half_life_days))
    start, cpu = time.perf_counter(), time.process_time()
    result = scoring.recompute_all(db)
    changed, changed_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    scoring.recompute_all(db)
    unchanged, unchanged_cpu = time.perf_counter() - start, time.process_time() - cpu
    # the follow-up times worked out too, as after an SLA change or by ``winnow rescore``
    # (a rule change leaves them: app.scoring.recompute_all); nothing to change by then
    start, cpu = time.perf_counter(), time.process_time()
    scoring.recompute_all(db, follow_ups=True)
    follow_ups, follow_ups_cpu = time.perf_counter() - start, time.process_time() - cpu
    db.close()
    # issue 15: ≤ 2 s at 100,000, ≤ 15 s at 1,000,000 (issue 6's ≤ 5 s at 100,000 before)
    target = 2.0 if result.contacts <= 100_000 else 15.0
    return {
        "contacts": result.contacts,
        "after_rule_change_s": round(changed, 3),
        "after_rule_change_cpu_s": round(changed_cpu, 3),
        "nothing_changed_s": round(unchanged, 3),
        "nothing_changed_cpu_s": round(unchanged_cpu, 3),
        "follow_ups_too_s": round(follow_ups, 3),
        "follow_ups_too_cpu_s": round(follow_ups_cpu, 3),
        "target_s": target,
        "ok": changed <= target,
        # the targets are for a machine of this kind to itself: on a shared one the CPU time
        "ok_cpu": changed_cpu <= target,
    }


def _edits(path: Path | str, n: int, contacts: int) -> dict[str, Any]:
    from app import qualification
    from app.activities import log_activity
    from app.contacts import update_contact
    from db.engine import open_database

    db = open_database(path)
    rng = random.Random(11)
    titles = ["Plant manager", "CEO", "Buyer", "Head of purchasing", "Student"]
    samples: dict[str, list[float]] = {"edit_title": [], "log_activity": [], "bant_answer": []}
    for _ in range(n):
        cid = rng.randint(1, contacts)
        start = time.perf_counter()
        update_contact(db, cid, title=rng.choice(titles))
        samples["edit_title"].append(time.perf_counter() - start)
        start = time.perf_counter()
        log_activity(db, cid, rng.choice(["call", "content-downloaded", "meeting"]))
        samples["log_activity"].append(time.perf_counter() - start)
        start = time.perf_counter()
        qualification.set_bant(db, cid, {rng.choice(["budget", "need"]): rng.choice(["yes", "no"])})
        samples["bant_answer"].append(time.perf_counter() - start)
    db.close()
    out: dict[str, Any] = {k: summary(v) for k, v in samples.items()}
    worst = max(s["p95_s"] for s in out.values())
    out.update({"target_p95_s": TARGET_EDIT_S, "ok": worst <= TARGET_EDIT_S})
    return out


_PROBE = (
    "import sys\nfrom app.cli import main\nmain(sys.argv[1:])\n"
    "print('sqlalchemy' in sys.modules, file=sys.stderr)"
)


def _stats_cli(path: Path | str, runs: int, contacts: int) -> dict[str, Any]:
    # as a user runs it: Python's compiled modules kept (compiled_bytecode_env), filled by one
    # run untimed
    env = compiled_bytecode_env()
    command = [sys.executable, "-m", "app", "--db", str(path), "stats", "--json"]
    subprocess.run(command, check=True, capture_output=True, env=env)
    samples, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        samples.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    out: dict[str, Any] = summary(samples)
    target = _targets(contacts)[0]
    # whether the command read the file with the driver alone (app.metrics.plain_stats: a
    # file at the head revision, its derived rows current) or took the usual opening
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, "--db", str(path), "stats", "--json"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    out["without_sqlalchemy"] = probe.stderr.strip().splitlines()[-1] == "False"
    out.update(
        {
            "median_cpu_s": round(statistics.median(cpu), 3),
            "target_s": target,
            "ok": out["median_s"] <= target,
        }
    )
    return out


def _stats_cli_behind(where: Path | str, runs: int, contacts: int) -> dict[str, Any]:
    """``winnow stats --json`` as a process right after one contact was moved elsewhere (the
    window's move, as another user's in team mode): the derived rows one edit behind, each
    run. On a copy (``where`` is written). Wall and CPU of the process (its own, not the
    server's); ``without_sqlalchemy``: whether the last run brought the rows up to date and
    read them with the driver alone (``app.aggregates.plain_refresh``)."""
    from app.operations import move_contacts
    from db.engine import open_database

    env = compiled_bytecode_env()
    command = [sys.executable, "-c", _PROBE, "--db", str(where), "stats", "--json"]
    subprocess.run(command, check=True, capture_output=True, env=env)  # the bytecode compiled
    db = open_database(str(where))
    rng = random.Random(11)
    samples, cpu, plain = [], [], []
    try:
        for _ in range(runs):
            move_contacts(db, [rng.randint(1, contacts)], rng.choice(["mql", "sql", "nurture"]))
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            out = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
            samples.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            plain.append(out.stderr.strip().splitlines()[-1] == "False")
    finally:
        db.close()
    found: dict[str, Any] = summary(samples)
    found["median_cpu_s"] = round(statistics.median(cpu), 3)
    found["without_sqlalchemy"] = all(plain)
    return found


def _timed_runs(fn: Callable[[], Any], runs: int) -> tuple[dict[str, Any], Any]:
    samples, cpu = [], []
    result = None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    out: dict[str, Any] = summary(samples)
    out["median_cpu_s"] = round(statistics.median(cpu), 4)
    return out, result


def _dashboard(path: Path | str, runs: int, contacts: int, render: bool = True) -> dict[str, Any]:
    from app import aggregates, metrics
    from app.timeutil import utcnow
    from db.engine import open_database

    db = open_database(path)
    now = utcnow()
    out: dict[str, Any] = {"load_average_before": os.getloadavg()}
    with db.session() as s:
        definition = metrics._anchors(s).definition()
    # the derived rows of a database just upgraded (or just generated): derived once
    out["derive_first_read"], _ = _timed_runs(
        lambda: aggregates.bring_up_to_date(db, definition), 1
    )
    cases: dict[str, dict[str, Any]] = {
        "all_time": {},
        "last_12_weeks": {"since": now - timedelta(weeks=12)},
        "one_source": {"source": "Trade show: Hannover Messe 2026"},
        # the dashboard's 12 weeks with a source picked (the weeks of that source, 0023)
        "last_12_weeks_one_source": {
            "since": now - timedelta(weeks=12),
            "source": "Trade show: Hannover Messe 2026",
        },
    }
    for name, kwargs in cases.items():
        out[name], data = _timed_runs(partial(metrics.dashboard_data, db, now=now, **kwargs), runs)
        out[name]["inquiries"] = data.metrics.inquiries
        out[name]["reference"], old = _timed_runs(
            partial(metrics.dashboard_data, db, now=now, reference=True, **kwargs), 1
        )
        assert old.metrics.as_json() == data.metrics.as_json(), name
    out["stats_in_process"], _ = _timed_runs(lambda: metrics.compute_metrics(db, now=now), runs)
    out["stats_in_process"]["reference"], _ = _timed_runs(
        lambda: metrics.compute_metrics(db, now=now, reference=True), 1
    )
    if render:
        out["render"] = _render(db, metrics.dashboard_data(db, now=now), runs)
    db.close()
    target = _targets(contacts)[1]
    worst = max(out[k]["median_s"] for k in (*cases, "stats_in_process"))
    out.update({"target_s": target, "ok": worst <= target, "load_average_after": os.getloadavg()})
    return out


def _render(db: Any, data: Any, runs: int) -> dict[str, Any]:
    """Filling the dashboard widgets with computed numbers, offscreen (GUI thread work)."""
    try:
        from PySide6.QtWidgets import QApplication

        from ui.dashboard.view import DashboardView
    except ImportError as exc:  # the view is optional for this benchmark
        return {"skipped": str(exc)}
    app = QApplication.instance() or QApplication(["bench"])
    view = DashboardView(db)
    view.resize(1300, 850)
    view.show()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        view.show_data(data)
        app.processEvents()
        view.grab()  # paint everything once
        samples.append(time.perf_counter() - start)
    view.close()
    view.deleteLater()
    app.processEvents()
    return summary(samples)


def run(quick: bool) -> dict[str, Any]:
    n = bench_size(quick)
    source = demo_database(n)
    path = scratch_copy(source)
    results: dict[str, Any] = {"contacts": n}
    results["recompute"] = _recompute(path)
    results["edit_score_update"] = _edits(path, 20 if quick else 60, n)
    results["dashboard"] = _dashboard(path, 3 if quick else 5, n)
    results["stats_cli"] = _stats_cli(path, 2 if quick else 5, n)
    return results


def run_numbers(runs: int = 5) -> dict[str, Any]:
    """Only the numbers: dashboard and stats (in process and as a process), on a scratch copy."""
    n = bench_size()
    path = scratch_copy(demo_database(n))
    return {
        "contacts": n,
        "dashboard": _dashboard(path, runs, n, render=False),
        "stats_cli": _stats_cli(path, runs, n),
    }


if __name__ == "__main__":
    import json

    from benchmarks.common import apply_db_options, module_options

    parser = module_options("benchmarks.bench_metrics", __doc__, db=True)
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--numbers", action="store_true", help="only the numbers (the default)")
    what.add_argument("--recompute", action="store_true", help="only the full score recompute")
    args = parser.parse_args()
    apply_db_options(args)
    if args.recompute:  # on a scratch copy
        copy = scratch_copy(demo_database(bench_size()))
        print(json.dumps(_recompute(copy), indent=2, default=str))
        shutil.rmtree(copy.parent, ignore_errors=True)
    else:
        print(json.dumps(run_numbers(), indent=2, default=str))

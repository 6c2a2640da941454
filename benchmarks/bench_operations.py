"""Operations core at scale: move 10,000 of 100,000 contacts as one operation, undo it, redo it
(targets: 0.5 s each), where the time goes (the scoring hook vs the rest, statements), and two
processes racing 1,000 moves of the same three contacts (every history chain consistent)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.common import bench_size, demo_database, scratch_copy, summary

TARGET_S = 0.5
KEYS = ["suspect", "inquiry", "mql", "sql", "opportunity", "nurture", "disqualified"]


# the scoring hook's ways in: a contact changed, moved into Inquiry, such a move undone or redone
HOOK_ENTRIES = ("rescore_contacts", "entered_inquiry", "inquiry_moves_reversed")


@contextmanager
def _hook_time(into: list[float], cpu: list[float] | None = None) -> Iterator[None]:
    """Add up the time the scoring hook (``app.scoring.rescore_contacts`` and the move
    entries that call it, :data:`HOOK_ENTRIES`) takes (``cpu``: and the CPU time of the
    thread running it); a call from inside another is counted once."""
    from app import scoring

    originals = {name: getattr(scoring, name) for name in HOOK_ENTRIES}
    depth = [0]

    def timing(original: Callable[..., None]) -> Callable[..., None]:
        def timed(*args: Any, **kwargs: Any) -> None:
            depth[0] += 1
            start, used = time.perf_counter(), time.thread_time()
            try:
                original(*args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:
                    into.append(time.perf_counter() - start)
                    if cpu is not None:
                        cpu.append(time.thread_time() - used)

        return timed

    for name, original in originals.items():
        setattr(scoring, name, timing(original))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(scoring, name, original)


@contextmanager
def _statements(db: Any, into: list[int]) -> Iterator[None]:
    from sqlalchemy import event

    seen = [0]

    def count(*_args: Any) -> None:
        seen[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
        into.append(seen[0])


def _measure(db: Any, fn: Callable[[], object]) -> dict[str, float]:
    """Seconds (wall, and the CPU of the thread that ran it: the background checkpoint of
    the step before is not counted), of which in the scoring hook, and statements."""
    hook: list[float] = []
    hook_cpu: list[float] = []
    statements: list[int] = []
    with _hook_time(hook, hook_cpu), _statements(db, statements):
        start, cpu = time.perf_counter(), time.thread_time()
        fn()
        elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu
    return {
        "s": elapsed,
        "cpu_s": cpu,
        "hook_s": sum(hook),
        "hook_cpu_s": sum(hook_cpu),
        "statements": statements[0],
    }


STEPS = ("move", "undo", "redo")


def _bulk(
    path: Path | str, n_contacts: int, n_moved: int, targets: Sequence[str]
) -> dict[str, Any]:
    from sqlalchemy import select

    from app import operations
    from db.engine import open_database
    from db.models import Contact, Stage

    db = open_database(path)
    rng = random.Random(9)
    out: dict[str, dict[str, list[float]]] = {what: {} for what in STEPS}
    try:
        for target in targets:
            with db.session() as s:
                stage_id = s.scalar(select(Stage.id).where(Stage.key == target))
                elsewhere = list(s.scalars(select(Contact.id).where(Contact.stage_id != stage_id)))
            ids = rng.sample(elsewhere, n_moved)
            steps: list[tuple[str, Callable[[], object]]] = [
                ("move", partial(operations.move_contacts, db, ids, target)),
                ("undo", partial(operations.undo_operation, db)),
                ("redo", partial(operations.redo_operation, db)),
            ]
            for what, fn in steps:
                for key, value in _measure(db, fn).items():
                    out[what].setdefault(key, []).append(value)
        problems = _chain_problems(db, None)
        # the log is copied into the file after each step, on a thread of its own
        # (db/checkpoint): not part of a step's time, but it is work the machine does
        checkpoints = {"runs": 0, "s": 0.0}
        if db.checkpointer is not None:
            db.checkpointer.wait(60)
            checkpoints = {"runs": db.checkpointer.runs, "s": round(db.checkpointer.seconds, 2)}
    finally:
        db.close()
    result: dict[str, Any] = {"contacts": n_contacts, "moved": n_moved, "to": list(targets)}
    result["background_checkpoints"] = checkpoints
    for what, values in out.items():
        result[what] = {
            **summary(values["s"]),
            "cpu_median_s": _median(values["cpu_s"]),
            "scoring_hook_median_s": _median(values["hook_s"]),
            "scoring_hook_cpu_median_s": _median(values["hook_cpu_s"]),
            "statements": max(int(v) for v in values["statements"]),
            "target_s": TARGET_S,
            "met": max(values["s"]) <= TARGET_S,
        }
    result["chains_consistent"] = not problems
    return result


def _median(values: list[float]) -> float:
    return round(sorted(values)[len(values) // 2], 4)


def _chain_problems(db: Any, ids: Sequence[int] | None) -> int:
    """How many live history entries do not start where the previous one ended (plus contacts
    not where their history ends)."""
    from sqlalchemy import select

    from db.models import Contact, StageChange

    with db.session() as s:
        stmt = (
            select(StageChange.contact_id, StageChange.from_stage_id, StageChange.to_stage_id)
            .where(StageChange.undone_at.is_(None))
            .order_by(StageChange.contact_id, StageChange.id)
        )
        where = select(Contact.id, Contact.stage_id)
        if ids is not None:
            stmt = stmt.where(StageChange.contact_id.in_(list(ids)))
            where = where.where(Contact.id.in_(list(ids)))
        rows = s.execute(stmt).all()
        stage_of = {int(c): int(st) for c, st in s.execute(where)}
    bad = 0
    last: dict[int, int] = {}
    for cid, src, dst in rows:
        if (cid in last and src != last[cid]) or (cid not in last and src is not None):
            bad += 1
        last[cid] = dst
    return bad + sum(1 for cid, st in stage_of.items() if last.get(cid) != st)


def racer(path: str, ids: str, n: str, seed: str, start: str) -> None:
    """One of the two racing processes: ``n`` moves of the contacts to random stages."""
    from app.operations import move_contacts
    from db.engine import open_database

    db = open_database(path)
    contact_ids = [int(i) for i in ids.split(",")]
    rng = random.Random(int(seed))
    time.sleep(max(0.0, float(start) - time.time()))
    for _ in range(int(n)):
        who = contact_ids if rng.random() < 0.7 else rng.sample(contact_ids, 2)
        move_contacts(db, who, rng.choice(KEYS))
    db.close()


def _race(path: Path, n: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from db.engine import open_database
    from db.models import StageChange

    ids = [11, 22, 33]
    # open here for the whole race: see tests/app/test_operations.py (a process starting up
    # while no "-wal" exists can delete the one the other racer just created)
    db = open_database(path)
    _chain_problems(db, ids)
    root = Path(__file__).resolve().parents[1]
    start = time.time() + 3.0
    env = {**os.environ, "PYTHONPATH": str(root)}
    cmd = [sys.executable, "-m", "benchmarks.bench_operations", "race", str(path)]
    racers = [
        subprocess.Popen(
            [*cmd, ",".join(map(str, ids)), str(n), str(seed), str(start)],
            cwd=root,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    errors = []
    for p in racers:
        _, err = p.communicate(timeout=1800)
        if p.returncode:
            errors.append(err.strip().splitlines()[-1] if err.strip() else str(p.returncode))
    elapsed = time.time() - start
    try:
        with db.session() as s:
            entries = s.scalar(
                select(func.count()).where(
                    StageChange.contact_id.in_(ids), StageChange.from_stage_id.is_not(None)
                )
            )
        bad = _chain_problems(db, ids)
    finally:
        db.close()
    return {
        "processes": 2,
        "moves_each": n,
        "s": round(elapsed, 2),
        "moves_per_s": round(2 * n / elapsed, 1),
        "history_entries": int(entries or 0),
        "inconsistent_entries": bad,
        "errors": errors,
        "met": bad == 0 and not errors,
    }


def run(quick: bool = False) -> dict[str, object]:
    n = bench_size(quick)
    moved = 1_000 if quick else 10_000
    source = demo_database(n)
    return {
        # to stages whose moves nothing derived reads, then into Inquiry (the follow-up times
        # count those moves: every moved contact is rescored)
        "bulk": _bulk(scratch_copy(source), n, moved, ["mql", "nurture", "sql"]),
        "bulk_into_inquiry": _bulk(scratch_copy(source), n, moved, ["inquiry"]),
        "race": _race(scratch_copy(source), 200 if quick else 1_000),
    }


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "race":
        racer(*sys.argv[2:7])
    else:
        import json

        from benchmarks.common import module_options

        args = module_options("benchmarks.bench_operations", __doc__).parse_args()
        json.dump(run(quick=args.quick), sys.stdout, indent=2)
        sys.stdout.write("\n")

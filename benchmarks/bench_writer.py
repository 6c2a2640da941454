"""The window's one writer while a big import runs (issue 9's target).

A 100,000-row CSV is imported in the background of a real window, started exactly as the
import wizard starts it (``ui.importing.wizard._import_and_undo_state`` on the task runner: a
file this big runs in a child process, app.importing.child), over the 100,000-contact demo
database; meanwhile a card is moved every 250 ms through the window's own move path. Measured:
the longest gap between 5 ms timer ticks of the event loop (target ≤ 50 ms) and, per move, the
time from the request to its commit being announced on the GUI thread (target ≤ 200 ms).
"""

from __future__ import annotations

import collections
import csv
import itertools
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.common import bench_size, demo_database, percentile, scratch_copy, shown_window

TARGET_STALL_S = 0.05
TARGET_MOVE_S = 0.2
# WINNOW_BENCH_TRACE_STALLS=1: sample where the GUI thread is every 2 ms and report, for the
# ticks that came late, the Winnow function it was in (or "event loop": waiting for a core)
TRACE = os.environ.get("WINNOW_BENCH_TRACE_STALLS") == "1"
_OURS = tuple(f"{os.sep}{d}{os.sep}" for d in ("app", "ui", "db"))


class _Sampler(threading.Thread):
    """Where the GUI thread is, every 2 ms: (time, innermost Winnow frame or None)."""

    def __init__(self) -> None:
        super().__init__(name="stall-sampler", daemon=True)
        self.target = threading.get_ident()
        self.samples: list[tuple[float, str | None]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.002):
            frame = sys._current_frames().get(self.target)
            where = None
            while frame is not None:
                name = frame.f_code.co_filename
                if any(part in name for part in _OURS):
                    tail = name.rsplit(os.sep, 2)
                    where = f"{tail[-2]}/{tail[-1]}:{frame.f_code.co_name}"
                    break
                frame = frame.f_back
            self.samples.append((time.perf_counter(), where))

    def report(self, ticks: list[float]) -> list[dict[str, Any]]:
        late = [(a, b) for a, b in itertools.pairwise(ticks) if b - a > TARGET_STALL_S]
        counts: collections.Counter[str] = collections.Counter()
        for a, b in late:
            for t, where in self.samples:
                if a < t < b:
                    counts[where or "event loop (idle, or waiting for a core)"] += 1
        return [{"where": w, "samples": n} for w, n in counts.most_common(8)]


def _write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["First Name", "Last Name", "Email", "Company", "Job Title", "City"])
        for i in range(rows):
            w.writerow(
                [
                    f"Vera{i}",
                    f"Visitor{i}",
                    f"v{i}@expo{i % 5000}.de",
                    f"Expo {i % 5000} GmbH",
                    "Einkauf",
                    "Köln",
                ]
            )


def bench_move_during_import(quick: bool) -> dict[str, Any]:
    from PySide6.QtCore import QTimer

    from app import contacts
    from app.contacts import ContactQuery
    from app.importing.child import CHILD_PROCESS_BYTES
    from db.engine import open_database
    from ui.application import leave_start_up_out_of_collections
    from ui.importing.wizard import _import_and_undo_state

    n = bench_size(quick)
    path = scratch_copy(demo_database(n))
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "expo.csv"
        _write_csv(csv_path, n)
        db = open_database(path)
        app, window = shown_window(db, wait_ms=60000)
        leave_start_up_out_of_collections()  # as run_gui does once the window is shown
        movers = contacts.query_ids(db, ContactQuery(stage_keys=("suspect",)), 0, 50)
        # every move changes something and needs no gate (a move into Marketing qualified of a
        # contact whose consent is withdrawn is refused and asks for a reason: the run stopped
        # moving there): each round takes all movers one stage on
        stages = ["inquiry", "nurture", "suspect"]
        gaps: list[float] = []
        last = [time.perf_counter()]
        ticks: list[float] = []

        def tick() -> None:
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now
            ticks.append(now)

        latencies: list[float] = []
        pending: dict[int, float] = {}

        def committed(cid: int) -> None:
            latencies.append(time.perf_counter() - pending.pop(cid))

        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(tick)
        finished: list[object] = []
        task = window.tasks.run(
            _import_and_undo_state,
            db,
            str(csv_path),
            on_done=finished.append,
            on_error=finished.append,
        )
        sampler = _Sampler() if TRACE else None
        if sampler is not None:
            sampler.start()
        t0 = time.perf_counter()
        timer.start()
        moves = 0
        next_move = t0 + 0.25
        while not finished:
            app.processEvents()
            now = time.perf_counter()
            if now >= next_move and not pending:
                cid = movers[moves % len(movers)]
                pending[cid] = now

                def on_moved(_result: object, c: int = cid) -> None:
                    committed(c)

                stage = stages[(moves // len(movers)) % len(stages)]
                window.move_contacts([cid], stage, on_moved=on_moved)
                moves += 1
                next_move = now + 0.25
            time.sleep(0.001)
        seconds = time.perf_counter() - t0
        while pending and time.perf_counter() - t0 < seconds + 10:
            app.processEvents()
            time.sleep(0.001)
        timer.stop()
        stall_where = None
        if sampler is not None:
            sampler.done.set()
            sampler.join()
            stall_where = sampler.report(ticks)
        del task
        result = finished[0]
        in_child = csv_path.stat().st_size >= CHILD_PROCESS_BYTES
        window.close()
        db.close()
    worst_move = max(latencies) if latencies else None
    return {
        "contacts": n,
        "import_rows": n,
        "import_s": round(seconds, 2),
        "import_result": type(result[0] if isinstance(result, tuple) else result).__name__,
        "import_in": "child process" if in_child else "worker thread",
        "moves": moves,
        "moves_committed": len(latencies),
        "move_commit_median_s": round(percentile(latencies, 50), 4) if latencies else None,
        "move_commit_p95_s": round(percentile(latencies, 95), 4) if latencies else None,
        "move_commit_max_s": round(worst_move, 4) if worst_move is not None else None,
        "longest_stall_s": round(max(gaps), 4) if gaps else None,
        "stall_p99_s": round(percentile(gaps, 99), 4) if gaps else None,
        **({"stall_where": stall_where} if stall_where is not None else {}),
        "targets": {"stall_s": TARGET_STALL_S, "move_commit_s": TARGET_MOVE_S},
        "ok": bool(
            gaps
            and max(gaps) <= TARGET_STALL_S
            and worst_move is not None
            and worst_move <= TARGET_MOVE_S
        ),
    }


def run(quick: bool) -> dict[str, Any]:
    return {"move_during_import": bench_move_during_import(quick)}


if __name__ == "__main__":
    from benchmarks.common import module_options

    args = module_options("benchmarks.bench_writer", __doc__).parse_args()
    print(json.dumps(run(args.quick), indent=2))

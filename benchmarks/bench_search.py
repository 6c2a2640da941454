"""Search while typing: keystroke to first page in the list model, in several sort orders.

Each typed prefix ("Jü", "Jür", … of ``benchmarks.common.TYPED``) is set on a
:class:`ui.contact_table.ContactTableModel` and the 40 visible rows are read: that is what the
window does per keystroke (the count runs on the model's worker meanwhile, as in the window),
the model told it shows 40 rows at once, as the window's list view tells it its rows in sight.
Wall time and the GUI thread's CPU time are both reported (CPU is what the machine's load and
the count on the worker do not inflate), and the background count's own time separately.

Before typing, the model is brought where the window has it when a user types: the list's
first rows read (the window shows them as it opens), and in each order, the order chosen
with the box empty (a click on the column's header) and the search's first-page statements
made on a worker (``ContactTableModel.prepare_searches``: the window does it once usable and
after each change of order) before the first keystroke, and what start-up built left out of
the garbage collector's walks as the window leaves it once usable (collected once, frozen). ``--cold`` types at once instead, as
this benchmark did before: the first keystrokes then also pay SQLAlchemy's first compilation
of each statement, and the first order the first reading of the rows.

    python -m benchmarks.bench_search [--db FILE] [--sorts created,name,score] [--cold]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from benchmarks.common import bench_size, demo_database, percentile, summary, typed_queries


def measure(
    path: Path, sorts: list[tuple[str, bool]] | None = None, cold: bool = False
) -> dict[str, Any]:
    from app import contacts
    from app.contacts import ContactQuery
    from db.engine import open_database
    from ui.contact_table import ContactTableModel
    from ui.tasks import TaskRunner

    sorts = sorts or [("created", True)]
    db = open_database(path)
    model = ContactTableModel(db)
    model.set_rows_in_sight(40)  # what the window's list view tells it (it reads 40 rows)
    tasks = TaskRunner()
    if not cold:  # as the window is when a user types (see the module's docstring)
        for row in range(min(40, model.rowCount())):
            model.data(model.index(row, 0))
        model.prepare_searches(tasks)
        # what the window does once usable: what start-up built collected once and frozen,
        # out of later collections' walks (ui.application.leave_start_up_out_of_collections)
        from ui.application import leave_start_up_out_of_collections

        tasks.wait(600_000)
        leave_start_up_out_of_collections()
    out: dict[str, Any] = {"queries": len(typed_queries()), "prepared": not cold}
    for sort, descending in sorts:
        if not cold:
            model.set_query(ContactQuery(sort=sort, descending=descending))
            tasks.wait(600_000)
        walls: list[float] = []
        cpus: list[float] = []
        worst = ("", 0.0)
        typed: list[tuple[float, str]] = []  # (CPU, the text typed)
        for text in typed_queries():
            q = ContactQuery(search=text, sort=sort, descending=descending)
            wall, cpu = time.perf_counter(), time.thread_time()
            model.set_query(q)
            for row in range(min(40, model.rowCount())):
                model.data(model.index(row, 0))
            walls.append(time.perf_counter() - wall)
            cpus.append(time.thread_time() - cpu)
            typed.append((cpus[-1], text))
            if walls[-1] > worst[1]:
                worst = (text, walls[-1])
        model.counter.wait(600_000)
        model.set_query(ContactQuery(sort=sort, descending=descending))  # the box cleared
        out[f"{sort}{' desc' if descending else ''}"] = {
            "wall": summary(walls),
            "cpu_p95_s": round(percentile(cpus, 95), 5),
            "cpu_median_s": round(sorted(cpus)[len(cpus) // 2], 5),
            "slowest": [worst[0], round(worst[1], 4)],
            # the keystrokes that make the p95 (the 48th of 50): the five slowest in CPU
            "slowest_cpu_s": [[t, round(c, 5)] for c, t in sorted(typed, reverse=True)[:5]],
        }
    counts: list[float] = []
    capped: list[float] = []
    for text in ("gm", "a", "kessler"):
        q = ContactQuery(search=text)
        start = time.perf_counter()
        contacts.count_capped(db, q)
        capped.append(time.perf_counter() - start)
        start = time.perf_counter()
        contacts.count(db, q)
        counts.append(time.perf_counter() - start)
    out["background_count_gm_a_kessler_s"] = {
        "capped": [round(x, 4) for x in capped],
        "exact": [round(x, 4) for x in counts],
    }
    db.close()
    return out


def run(quick: bool = False) -> dict[str, Any]:
    """``python -m benchmarks search [--size N]``: the cached demo database, four sort orders."""
    sorts = [("created", True), ("name", False), ("score", True), ("company", False)]
    return measure(demo_database(bench_size(quick)), sorts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a demo database (default: the cached 100k)")
    parser.add_argument("--sorts", default="created:desc,name,score:desc,company")
    parser.add_argument("--cold", action="store_true", help="type at once (nothing made ahead)")
    args = parser.parse_args()
    sorts = [(s.split(":")[0], s.endswith(":desc")) for s in args.sorts.split(",") if s]
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    result = measure(args.db or demo_database(), sorts, cold=args.cold)
    result["load_average_before"] = load
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

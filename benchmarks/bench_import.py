"""Import benchmark: 10,000 and 100,000 CSV rows (no DNS) against a floor measured in the
same run — the same rows read with the csv module and inserted with one sqlite3 executemany
into the same table. Each measurement runs in a fresh process (time and peak memory). A file
of 2 MB or more may be read in a second process (``app.importing.pipeline``, when a core is
free): its CPU time is counted in ``cpu_seconds`` and shown apart, with its peak memory.

Targets (issue 3): 10k rows ≤ 3× the floor; 100k rows ≤ 20 s; memory flat with file size.
Targets (issue 11): 1,000,000 CSV rows ≤ 100 s and ≤ 300 MB peak; the same 100,000 rows as
``.xlsx`` ≤ 2× the CSV's time; a hostile file (one 200 MB unterminated quoted cell, a 100 MB
line of NUL bytes) ≤ 300 MB peak.

``--rows N --writer-only``: the writing process alone on the rows the reading process
prepared (its chunks recorded to a file first), for the writer's own CPU time.
"""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HEADERS = ["First Name", "Last Name", "Email", "Company", "Job Title", "Phone", "City", "Country"]
TARGET_RATIO_10K = 3.0
TARGET_SECONDS_100K = 20.0
TARGET_SECONDS_1M = 100.0
TARGET_PEAK_MB = 300.0
TARGET_XLSX_RATIO = 2.0


def write_sample_csv(path: Path, rows: int, seed: int = 3) -> None:
    """A realistic trade-show list: accented names, company addresses, some free-mail."""
    from app.demo import PEOPLE, _ascii

    rng = random.Random(seed)
    codes = list(PEOPLE)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(HEADERS)
        for i in range(rows):
            country, cities, firsts, lasts, parts, tld, phone = PEOPLE[rng.choice(codes)]
            first, last, part = rng.choice(firsts), rng.choice(lasts), rng.choice(parts)
            domain = f"{_ascii(part)}{i % 997}.{tld}"
            email = f"{_ascii(first) or 'x'}.{_ascii(last) or 'y'}{i}@{domain}"
            w.writerow(
                [
                    first,
                    last,
                    email,
                    f"{part} {i % 997} GmbH",
                    "Plant manager",
                    f"{phone}{rng.randint(1000000, 9999999)}",
                    rng.choice(cities),
                    country,
                ]
            )


_FLOOR = r"""
import csv, json, resource, sqlite3, sys, time
from datetime import UTC, datetime
csv_path, db_path = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db_path)
con.execute("PRAGMA synchronous=NORMAL")
stage_id = con.execute("SELECT id FROM stages WHERE key='suspect'").fetchone()[0]
t0 = time.perf_counter()
now = int(datetime.now(UTC).timestamp())  # as Winnow stores times on SQLite (db.times)
with open(csv_path, encoding="utf-8-sig", newline="") as fh:
    reader = csv.reader(fh)
    next(reader)
    rows = [(r[0], r[1], r[0] + " " + r[1], (r[0] + " " + r[1]).lower(), r[2], r[3], r[4], r[5],
             r[6], r[7], stage_id, now, "unknown", 0) for r in reader]
con.executemany(
    "INSERT INTO contacts (first_name, last_name, name, sort_name, email, company, title, phone,"
    " city, country, stage_id, created_at, consent, sales_ready)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
con.commit()
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "rows": len(rows),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_WINNOW = r"""
import json, os, resource, sys, time
from db.engine import open_database
from app.importing.service import import_file
csv_path, db_path = sys.argv[1], sys.argv[2]
from app.errors import WinnowError
if os.environ.get("WINNOW_BENCH_PROCESSES") in ("1", "2"):  # as asked, whatever the load
    import app.importing.pipeline as pipeline
    two = os.environ["WINNOW_BENCH_PROCESSES"] == "2"
    pipeline._core_to_spare = lambda: two
db = open_database(db_path)
def children_cpu():  # the process that reads a big file beside this one (app.importing.pipeline)
    t = os.times()
    return t.children_user + t.children_system
t0 = time.perf_counter()
cpu0 = time.process_time()
child0 = children_cpu()
try:
    report = import_file(db, csv_path, source="Benchmark")
    rows, warnings, error = report.imported, len(report.warnings), None
except WinnowError as exc:  # a refused file: its message, and what refusing it cost
    rows, warnings, error = 0, 0, str(exc)
seconds = time.perf_counter() - t0
own_cpu = time.process_time() - cpu0
reader_cpu = children_cpu() - child0
db.close()
print(json.dumps({"seconds": seconds, "cpu_seconds": own_cpu + reader_cpu, "own_cpu_seconds": own_cpu,
                  "reader_cpu_seconds": reader_cpu, "rows": rows, "warnings": warnings,
                  "error": error,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "reader_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


# the writer alone (``--writer-only``): the reading process's chunks of a file recorded once
# (what it sends on its pipe, app.importing.pipeline.send_prepared), then written by
# import_file in a fresh process as if that process sent them — the writing process's own
# CPU time and memory on the same prepared rows, without the reader beside it
_RECORD = r"""
import os, sys
from db.engine import open_database
import app.importing.service as service
from app.importing.pipeline import send_prepared
csv_path, db_path, chunks_path = sys.argv[1], sys.argv[2], sys.argv[3]
class Recorded(Exception):
    pass
def record(open_args, headers, mapping, preparer, size):
    fd = os.open(chunks_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    send_prepared(fd, (open_args, headers, mapping, preparer, size))
    raise Recorded
service.PreparedElsewhere = record
service.worth_another_process = lambda path: True
db = open_database(db_path)
try:
    service.import_file(db, csv_path, source="Benchmark")
except Recorded:
    pass
db.close()
"""

_REPLAY = r"""
import json, os, resource, sys, time
from db.engine import open_database
import app.importing.pipeline as pipeline
import app.importing.service as service
csv_path, db_path, chunks_path = sys.argv[1], sys.argv[2], sys.argv[3]
class Gone:  # the reading process, already done
    returncode = 0
    def wait(self, timeout=None): return 0
    def kill(self): pass
def replay(open_args, headers, mapping, preparer, size):
    chunks = object.__new__(pipeline.PreparedElsewhere)
    chunks._pipe, chunks._done, chunks._child = open(chunks_path, "rb"), False, Gone()
    return chunks
service.PreparedElsewhere = replay
service.worth_another_process = lambda path: True
db = open_database(db_path)
profile = os.environ.get("WINNOW_BENCH_PROFILE")
if profile:
    import cProfile
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
t0, cpu0 = time.perf_counter(), time.process_time()
report = service.import_file(db, csv_path, source="Benchmark")
seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
if profile:
    profiler.disable()
    profiler.dump_stats(profile)
db.close()
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "rows": report.imported,
                  "warnings": len(report.warnings),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_writer_only(rows: int, keep: Path | None = None) -> dict[str, Any]:
    """The writing process alone on ``rows`` prepared rows of the benchmark's CSV into a new
    store: CPU and wall seconds, peak memory, the load average around it. ``keep``: a folder
    where the CSV and the recorded chunks are kept between runs (made once). With
    ``WINNOW_BENCH_PROFILE=FILE`` the writing process's import is profiled (cProfile, CPU
    time) into FILE."""
    import os

    with tempfile.TemporaryDirectory(prefix="winnow-bench-import-") as tmp:
        work = keep or Path(tmp)
        csv_path = work / f"list_{rows}.csv"
        chunks_path = work / f"chunks_{rows}.bin"
        if not csv_path.exists() or not chunks_path.exists():
            write_sample_csv(csv_path, rows)
            _fresh_db(work / "record.sqlite")
            subprocess.run(
                [sys.executable, "-c", _RECORD, str(csv_path), str(work / "record.sqlite"),
                 str(chunks_path)],
                check=True,
                cwd=Path(__file__).resolve().parent.parent,
            )  # fmt: skip
            (work / "record.sqlite").unlink()
        db_path = work / f"writer_{rows}.sqlite"
        for stale in work.glob(f"writer_{rows}.sqlite*"):
            stale.unlink()
        _fresh_db(db_path)
        load_before = os.getloadavg()[0]
        out = subprocess.run(
            [sys.executable, "-c", _REPLAY, str(csv_path), str(db_path), str(chunks_path)],
            check=True,
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        measured: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
        return {
            "rows": measured["rows"],
            "writer_seconds": round(measured["seconds"], 2),
            "writer_cpu_seconds": round(measured["cpu_seconds"], 2),
            "writer_peak_mb": round(measured["peak_mb"], 1),
            "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        }


def _fresh_db(path: Path) -> None:
    from db.engine import open_database

    open_database(path).close()


def _measure(script: str, csv_path: Path, db_path: Path) -> dict[str, Any]:
    _fresh_db(db_path)
    out = subprocess.run(
        [sys.executable, "-c", script, str(csv_path), str(db_path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _case(rows: int, work: Path) -> dict[str, Any]:
    csv_path = work / f"list_{rows}.csv"
    write_sample_csv(csv_path, rows)
    floor = _measure(_FLOOR, csv_path, work / f"floor_{rows}.sqlite")
    winnow = _measure(_WINNOW, csv_path, work / f"winnow_{rows}.sqlite")
    if winnow["rows"] != rows or floor["rows"] != rows:
        raise RuntimeError(f"imported {winnow['rows']} of {rows} rows (floor {floor['rows']})")
    return {
        "rows": rows,
        "file_mb": round(csv_path.stat().st_size / 1e6, 2),
        "seconds": round(winnow["seconds"], 3),
        "floor_seconds": round(floor["seconds"], 3),
        "ratio": round(winnow["seconds"] / floor["seconds"], 2),
        "rows_per_second": round(rows / winnow["seconds"]),
        "peak_mb": round(winnow["peak_mb"], 1),
        "floor_peak_mb": round(floor["peak_mb"], 1),
    }


def write_sample_xlsx(csv_path: Path, xlsx_path: Path) -> None:
    """The same rows as ``csv_path`` in a workbook (openpyxl's streaming writer)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Contacts")
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            sheet.append(row)
    book.save(xlsx_path)


def write_hostile(path: Path, kind: str) -> None:
    """A file built to cost memory: an unterminated quoted cell of 200 MB, or a 100 MB line
    of NUL bytes after a header."""
    chunk = 1_000_000
    with path.open("wb") as fh:
        fh.write(b"First Name,Last Name,Email\r\nAda,Lovelace,ada@example.org\r\n")
        if kind == "quote":
            fh.write(b'Bob,"')
            for _ in range(200):
                fh.write(b"x" * chunk)
        else:
            for _ in range(100):
                fh.write(b"\0" * chunk)


def _winnow_only(path: Path, work: Path, name: str) -> dict[str, Any]:
    measured = _measure(_WINNOW, path, work / f"{name}.sqlite")
    print(name, json.dumps(measured), file=sys.stderr, flush=True)  # kept if a later case fails
    out = {
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "seconds": round(measured["seconds"], 2),
        "cpu_seconds": round(measured["cpu_seconds"], 2),
        "rows": measured["rows"],
        "peak_mb": round(measured["peak_mb"], 1),
    }
    if measured.get("reader_cpu_seconds"):  # read and cleaned in a second process
        out["writer_cpu_seconds"] = round(measured["own_cpu_seconds"], 2)
        out["reader_cpu_seconds"] = round(measured["reader_cpu_seconds"], 2)
        out["reader_peak_mb"] = round(measured["reader_peak_mb"], 1)
    if measured.get("error"):
        out["refused"] = measured["error"]
    return out


def run_issue11(work: Path) -> dict[str, Any]:
    """The import faithfulness targets: a million rows, Excel against CSV, hostile files."""
    results: dict[str, Any] = {}
    for kind in ("quote", "nul"):
        hostile = work / f"hostile_{kind}.csv"
        write_hostile(hostile, kind)
        case = _winnow_only(hostile, work, f"hostile_{kind}")
        case.update(target_peak_mb=TARGET_PEAK_MB, ok=case["peak_mb"] <= TARGET_PEAK_MB)
        results[f"import_hostile_{kind}"] = case
        hostile.unlink()
    csv_100k = work / "list_100000.csv"
    if not csv_100k.exists():
        write_sample_csv(csv_100k, 100_000)
    xlsx = work / "list_100000.xlsx"
    write_sample_xlsx(csv_100k, xlsx)
    as_csv = _winnow_only(csv_100k, work, "csv100k")
    as_xlsx = _winnow_only(xlsx, work, "xlsx100k")
    results["import_xlsx_vs_csv_100k"] = {
        "csv_seconds": as_csv["seconds"],
        "xlsx_seconds": as_xlsx["seconds"],
        "ratio": round(as_xlsx["seconds"] / as_csv["seconds"], 2),
        "cpu_ratio": round(as_xlsx["cpu_seconds"] / as_csv["cpu_seconds"], 2),
        "xlsx_peak_mb": as_xlsx["peak_mb"],
        "target_ratio": TARGET_XLSX_RATIO,
        "ok": as_xlsx["seconds"] <= TARGET_XLSX_RATIO * as_csv["seconds"],
    }
    million = work / "list_1000000.csv"
    write_sample_csv(million, 1_000_000)
    big = _winnow_only(million, work, "csv1m")
    big.update(
        target_seconds=TARGET_SECONDS_1M,
        target_peak_mb=TARGET_PEAK_MB,
        ok=big["seconds"] <= TARGET_SECONDS_1M and big["peak_mb"] <= TARGET_PEAK_MB,
    )
    results["import_csv_1m"] = big
    million.unlink()
    return results


def run(quick: bool = False) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="winnow-bench-import-") as tmp:
        work = Path(tmp)
        small = _case(10_000, work)
        small["target_ratio"] = TARGET_RATIO_10K
        small["ok"] = small["ratio"] <= TARGET_RATIO_10K
        results["import_csv_10k"] = small
        if not quick:
            big = _case(100_000, work)
            big["target_seconds"] = TARGET_SECONDS_100K
            big["ok"] = big["seconds"] <= TARGET_SECONDS_100K
            results["import_csv_100k"] = big
            results.update(run_issue11(work))
    return results


def run_rows(rows: int, processes: int | None = None) -> dict[str, Any]:
    """One CSV of ``rows`` rows imported in a fresh process: wall and CPU seconds, peak memory
    and the load average around it (the machine may be shared: CPU time is the steadier).
    ``processes`` (1 or 2): read the file in a second process or not, whatever the load
    (otherwise the importer decides, app.importing.pipeline)."""
    import os

    if processes is not None:
        os.environ["WINNOW_BENCH_PROCESSES"] = str(processes)
    with tempfile.TemporaryDirectory(prefix="winnow-bench-import-") as tmp:
        work = Path(tmp)
        csv_path = work / f"list_{rows}.csv"
        write_sample_csv(csv_path, rows)
        load_before = os.getloadavg()[0]
        case = _winnow_only(csv_path, work, f"csv{rows}")
        case["load_average"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
        return case


if __name__ == "__main__":
    from benchmarks.common import module_options

    parser = module_options("benchmarks.bench_import", __doc__)
    parser.add_argument("--rows", type=int, metavar="N", help="only one CSV case of N rows")
    parser.add_argument(
        "--processes",
        type=int,
        choices=(1, 2),
        help="with --rows: one process, or the file read in a second one, whatever the load",
    )
    parser.add_argument("--issue11", action="store_true", help="only the faithfulness targets")
    parser.add_argument(
        "--writer-only",
        action="store_true",
        help="with --rows: the writing process alone on the rows the reader prepared (recorded"
        " first), into a new store",
    )
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="with --writer-only: keep the CSV and the recorded chunks in DIR (made once)",
    )
    args = parser.parse_args()
    if args.writer_only:
        if args.rows is None:
            parser.error("--writer-only needs --rows N")
        keep = Path(args.keep) if args.keep else None
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
        print(json.dumps(run_writer_only(args.rows, keep), indent=2))
    elif args.rows is not None:
        print(json.dumps(run_rows(args.rows, args.processes), indent=2))
    elif args.issue11:
        with tempfile.TemporaryDirectory(prefix="winnow-bench-import-") as tmp:
            print(json.dumps(run_issue11(Path(tmp)), indent=2))
    else:
        print(json.dumps(run(quick=args.quick), indent=2))

"""A throw-away PostgreSQL cluster for the tests and benchmarks (no pytest in here).

Debian's ``postgresql`` package brings the server binaries (``/usr/lib/postgresql/N/bin``)
without starting anything we use: :class:`Cluster` runs ``initdb`` into a temp folder, starts
the server on a free loopback port with its Unix socket in that folder, and removes it all when
stopped. The server cannot run as root, so as root the cluster belongs to a system user
(``winnowtest``, created when missing) and every server command runs through ``runuser``.

Settings trade durability for speed (no fsync): the data is gone with the folder anyway.
Each test gets its own database, copied from a migrated template (``CREATE DATABASE …
TEMPLATE``, a few milliseconds), so no test sees another's rows.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

SYSTEM_USER = "winnowtest"
SUPERUSER = "winnow"
TEMPLATE = "winnow_template"
START_TIMEOUT_S = 60


_WATCHDOG = """
import os, shutil, subprocess, sys, time
owner, root, ctl = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
while os.path.isdir(root):
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        subprocess.run([*ctl, "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
        break
    except PermissionError:
        pass
    time.sleep(1)
"""


class PostgresUnavailable(RuntimeError):
    """PostgreSQL (the server binaries, or the ``psycopg`` driver) is not installed here."""


def find_bindir() -> Path:
    """The newest installed server's ``bin`` folder (Debian layout, else ``pg_config``)."""

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", Path(path).parent.parent.name))

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if found:
        return Path(found[-1]).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        bindir = Path(out.stdout.strip())
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    raise PostgresUnavailable(
        "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin): "
        "apt-get install postgresql"
    )


def check_driver() -> None:
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise PostgresUnavailable(
            "the psycopg driver is not installed: pip install -e '.[team]'"
        ) from exc


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ensure_system_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    result = subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
        capture_output=True,
        text=True,
    )
    if result.returncode not in (0, 9):  # 9: created meanwhile by another process
        raise PostgresUnavailable(f"cannot create the user {SYSTEM_USER}: {result.stderr.strip()}")
    return pwd.getpwnam(SYSTEM_USER)


def _temp_parent(owner: pwd.struct_passwd | None) -> str | None:
    """Where the cluster's folder goes: the usual temp folder, unless the server's user could
    not reach it (a root-only ``TMPDIR``), then ``/tmp``."""
    base = Path(tempfile.gettempdir()).resolve()
    if owner is None:
        return None
    if all(p.stat().st_mode & 0o001 for p in (base, *base.parents)):
        return None
    return "/tmp"


@dataclass
class Cluster:
    """One running server. ``url(name)`` addresses a database in it (psycopg 3, loopback)."""

    bindir: Path
    root: Path
    port: int
    _owner: pwd.struct_passwd | None = None
    _counter: itertools.count[int] = field(default_factory=itertools.count)
    _running: bool = False
    _watchdog: subprocess.Popen[bytes] | None = None
    _background: ThreadPoolExecutor | None = None
    _spare: Future[str] | None = None

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    # -- starting and stopping ------------------------------------------------------------

    @classmethod
    def start(cls) -> Cluster:
        """initdb and start a server; raises :class:`PostgresUnavailable` when it cannot."""
        check_driver()
        bindir = find_bindir()
        owner = _ensure_system_user() if os.geteuid() == 0 else None
        root = Path(tempfile.mkdtemp(prefix="winnow-pg-", dir=_temp_parent(owner)))
        if owner is not None:
            os.chown(root, owner.pw_uid, owner.pw_gid)
        cluster = cls(bindir=bindir, root=root, port=0, _owner=owner)
        try:
            cluster._initdb()
            cluster._start_server()
        except BaseException:
            cluster.stop()
            raise
        cluster._watch_owner()
        return cluster

    def _watch_owner(self) -> None:
        """Stop the server and remove its folder once this process is gone, however it ended
        (a test run killed by a timeout never reaches its teardown)."""
        ctl = [str(self.bindir / "pg_ctl"), "--pgdata", str(self.datadir), "-m", "immediate"]
        if self._owner is not None:
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            ctl = [runuser, "-u", self._owner.pw_name, "--", *ctl]
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(self.root), *ctl],
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        )

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self._owner is not None:
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            cmd = [runuser, "-u", self._owner.pw_name, "--", *cmd]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C.UTF-8"
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=self.root)
        if check and result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise PostgresUnavailable(
                f"{' '.join(args[:2])} failed ({result.returncode}): "
                f"{result.stderr.strip() or result.stdout.strip()}\n{tail}"
            )
        return result

    def _initdb(self) -> None:
        self._run(
            "initdb",
            "--pgdata",
            str(self.datadir),
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
            "--no-sync",
        )
        with (self.datadir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                "\n# winnow tests: a throw-away cluster on loopback\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                "max_connections = 200\n"
                "log_min_messages = warning\n"
                "log_min_error_statement = panic\n"
            )

    def _start_server(self) -> None:
        last = ""
        for _attempt in range(5):  # a free port can be taken between asking and binding
            self.port = _free_port()
            result = self._run(
                "pg_ctl",
                "--pgdata",
                str(self.datadir),
                "--log",
                str(self.root / "server.log"),
                "--options",
                f"-p {self.port}",
                "--wait",
                f"--timeout={START_TIMEOUT_S}",
                "start",
                check=False,
            )
            if result.returncode == 0:
                self._running = True
                return
            last = result.stderr.strip() or result.stdout.strip()
            log = self.root / "server.log"
            if log.exists():
                last += "\n" + log.read_text(errors="replace")[-2000:]
            time.sleep(0.2)
        raise PostgresUnavailable(f"the PostgreSQL server did not start: {last}")

    def stop(self) -> None:
        """Stop the server (if running) and remove its folder."""
        if self._background is not None:
            self._background.shutdown(wait=True, cancel_futures=True)
            self._background = None
        self._spare = None
        if self._running:
            self._run(
                "pg_ctl", "--pgdata", str(self.datadir), "-m", "immediate", "stop", check=False
            )
            self._running = False
        shutil.rmtree(self.root, ignore_errors=True)
        if self._watchdog is not None:
            self._watchdog.terminate()
            self._watchdog.wait(10)
            self._watchdog = None

    # -- databases ------------------------------------------------------------------------

    def execute(self, *statements: str, database: str = "postgres") -> None:
        """Run statements outside a transaction (CREATE/DROP DATABASE, VACUUM) as the
        superuser, in ``database`` (a name or a URL)."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            dbname=database.rsplit("/", 1)[-1],
            autocommit=True,
        ) as conn:
            for statement in statements:
                conn.execute(statement)  # type: ignore[arg-type]

    def create_template(self) -> str:
        """A migrated, seeded Winnow database that test databases are copied from."""
        from db.engine import open_database

        self.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}", f"CREATE DATABASE {TEMPLATE}")
        database = open_database(self.url(TEMPLATE))
        database.close()  # CREATE DATABASE … TEMPLATE needs it without connections
        return TEMPLATE

    def new_database(self, *, spare: bool = True) -> str:
        """A fresh database copied from the migrated template; returns its URL.

        The next one is copied in the background meanwhile (``spare``), so a test's set-up
        seldom waits. ``spare=False`` (a benchmark): nothing is left running in the
        background — a copy of the template forces a checkpoint and writes a database's
        files, work the server would do beside what is measured."""
        waiting, self._spare = self._spare, None
        name = waiting.result() if waiting is not None else self._copy_template()
        if spare:
            self._spare = self._worker().submit(self._copy_template)
        return self.url(name)

    def _copy_template(self) -> str:
        name = f"t{os.getpid()}_{next(self._counter)}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
        return name

    def _worker(self) -> ThreadPoolExecutor:
        if self._background is None:
            self._background = ThreadPoolExecutor(1, thread_name_prefix="winnow-pg")
        return self._background

    def copy_database(self, url: str) -> str:
        """A new database with what the database at ``url`` holds now; returns its URL.

        PostgreSQL copies only a database nobody is connected to: close (dispose) every
        engine on ``url`` first."""
        name = f"c{os.getpid()}_{next(self._counter)}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE {url.rsplit('/', 1)[1]} STRATEGY FILE_COPY")
        return self.url(name)

    def empty_database(self) -> str:
        """A fresh database with nothing in it (for migration tests); returns its URL."""
        name = f"e{os.getpid()}_{next(self._counter)}"
        self.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop the database at ``url`` (in the background: nothing waits for it)."""
        name = url.rsplit("/", 1)[1]
        self._worker().submit(self.execute, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

"""Offline by construction: nothing a test runs may reach beyond loopback.

``install()`` wraps the socket module's connecting, sending and name-resolving functions. A call
aimed anywhere but loopback raises ``NetworkAccessBlocked`` before the kernel sees it, and is
recorded, so ``tests/conftest.py`` fails the test that made it at teardown even when the code
under test swallowed the error (go-look turns any DNS failure into "unknown"). The record is
process-wide and thread-safe: a background thread's attempt counts too.

Loopback port 53 is refused as well: what listens there is the system's stub resolver
(systemd-resolved, dnsmasq), which forwards the question to the internet. Test DNS servers
(``tests/dnsserver.py``) listen on a free port.

``guard_subprocesses()`` extends the guard to Python subprocesses that tests start (the CLI
tests): a generated ``sitecustomize`` on ``PYTHONPATH`` installs it there, and the child appends
its attempts to a file that ``take_attempts()`` reads. This module uses only the standard library
so a child can load it by path.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPORT_ENV = "WINNOW_TEST_NETWORK_REPORT"
DNS_PORT = 53
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_INET = (socket.AF_INET, socket.AF_INET6)
_UNIX = getattr(socket, "AF_UNIX", None)


class NetworkAccessBlocked(RuntimeError, OSError):
    """A test tried to reach beyond loopback.

    Also an ``OSError``, so a DNS resolver drops the server at once (as it would an unreachable
    one) instead of retrying until its lifetime runs out; the test fails from the record anyway.
    """

    def __init__(self, call: str, target: str) -> None:
        super().__init__(
            f"tests are offline: {call} to {target} blocked (only loopback is allowed)"
        )
        self.call = call
        self.target = target


@dataclass(frozen=True)
class BlockedAttempt:
    call: str  # "connect", "getaddrinfo", ...
    target: str  # "192.0.2.1:9", "example.com"
    thread: str
    stack: str  # where it came from, innermost call last
    pid: int

    def describe(self) -> str:
        where = f"thread {self.thread!r}"
        if self.pid != os.getpid():
            where = f"subprocess {self.pid}, {where}"
        return f"{self.call} to {self.target} ({where}):\n{self.stack}"


_lock = threading.Lock()
_attempts: list[BlockedAttempt] = []
_originals: dict[tuple[object, str], Any] = {}
_report_file: str | None = None  # a subprocess appends its attempts here
_read_file: str | None = None  # the test process reads its subprocesses' attempts from here


def is_loopback_host(host: object) -> bool:
    """127.0.0.0/8, ::1 (also as ::ffff:127.x), the unspecified address, 'localhost'."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip().rstrip(".").lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    if name == "":  # INADDR_ANY: connecting to it reaches this machine
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def _block(call: str, target: str) -> None:
    stack = "".join(traceback.format_stack(limit=14)[:-2])
    attempt = BlockedAttempt(call, target, threading.current_thread().name, stack, os.getpid())
    with _lock:
        _attempts.append(attempt)
        if _report_file:
            try:
                with open(_report_file, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(attempt.__dict__) + "\n")
            except OSError:
                pass
    raise NetworkAccessBlocked(call, target)


def _check_socket_address(call: str, family: int, address: object) -> None:
    if _UNIX is not None and family == _UNIX:
        return
    if family in _INET and isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        if is_loopback_host(host) and port != DNS_PORT:
            return
        _block(call, f"{host}:{port}")
    _block(call, f"{address!r} (address family {family})")


def _check_lookup(call: str, host: object) -> None:
    if host is None or host in ("", b"") or is_loopback_host(host):
        return
    _block(call, str(host))


def _wrap(owner: object, name: str, make: Any) -> None:
    original = getattr(owner, name)
    _originals[(owner, name)] = original
    setattr(owner, name, make(original))


def _connect(original: Any) -> Any:
    def connect(self: socket.socket, address: Any) -> Any:
        _check_socket_address(original.__name__, self.family, address)
        return original(self, address)

    return connect


def _sendto(original: Any) -> Any:
    def sendto(self: socket.socket, data: Any, *args: Any) -> Any:
        if args:  # sendto(data, address) or sendto(data, flags, address)
            _check_socket_address("sendto", self.family, args[-1])
        return original(self, data, *args)

    return sendto


def _sendmsg(original: Any) -> Any:
    def sendmsg(self: socket.socket, *args: Any, **kwargs: Any) -> Any:
        address = args[3] if len(args) > 3 else kwargs.get("address")
        if address is not None:
            _check_socket_address("sendmsg", self.family, address)
        return original(self, *args, **kwargs)

    return sendmsg


def _create_connection(original: Any) -> Any:
    def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        _check_socket_address("create_connection", socket.AF_INET, tuple(address))
        return original(address, *args, **kwargs)

    return create_connection


def _lookup(original: Any) -> Any:
    def lookup(*args: Any, **kwargs: Any) -> Any:
        host = args[0] if args else kwargs.get("host", kwargs.get("hostname"))
        _check_lookup(original.__name__, host)
        return original(*args, **kwargs)

    return lookup


def _getnameinfo(original: Any) -> Any:
    def getnameinfo(sockaddr: Any, flags: int) -> Any:
        if not flags & socket.NI_NUMERICHOST:  # a reverse lookup of the address
            _check_lookup("getnameinfo", sockaddr[0])
        return original(sockaddr, flags)

    return getnameinfo


def install(report_file: str | None = None) -> None:
    """Wrap the socket functions (once per process)."""
    global _report_file
    if report_file:
        _report_file = report_file
    if _originals:
        return
    for method in ("connect", "connect_ex"):
        _wrap(socket.socket, method, _connect)
    _wrap(socket.socket, "sendto", _sendto)
    _wrap(socket.socket, "sendmsg", _sendmsg)
    _wrap(socket, "create_connection", _create_connection)
    for function in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        _wrap(socket, function, _lookup)
    _wrap(socket, "getnameinfo", _getnameinfo)


def uninstall() -> None:
    for (owner, name), original in _originals.items():
        setattr(owner, name, original)
    _originals.clear()


SITECUSTOMIZE = """\
# Generated by tests/network_guard.py: this Python process is part of the offline test suite.
import importlib.util as _util
import os as _os
import sys as _sys

_spec = _util.spec_from_file_location("_winnow_network_guard", {guard!r})
_guard = _util.module_from_spec(_spec)
_sys.modules[_spec.name] = _guard
_spec.loader.exec_module(_guard)
_guard.install(report_file=_os.environ.get({env!r}))
"""


def guard_subprocesses(directory: Path) -> None:
    """Install the guard in every Python subprocess started from now on (via ``PYTHONPATH``)."""
    global _read_file
    site = directory / "site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "sitecustomize.py").write_text(
        SITECUSTOMIZE.format(guard=str(Path(__file__).resolve()), env=REPORT_ENV),
        encoding="utf-8",
    )
    _read_file = str(directory / "blocked-in-subprocesses.jsonl")
    os.environ[REPORT_ENV] = _read_file
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p
    )


def take_attempts() -> list[BlockedAttempt]:
    """Every blocked attempt since the last call (this process's and its subprocesses')."""
    with _lock:
        taken = list(_attempts)
        _attempts.clear()
    if _read_file and os.path.exists(_read_file):
        moved = f"{_read_file}.{os.getpid()}.reading"
        try:
            os.replace(_read_file, moved)  # a child still writing starts a new file
            with open(moved, encoding="utf-8") as fh:
                taken += [BlockedAttempt(**json.loads(line)) for line in fh if line.strip()]
            os.remove(moved)
        except OSError:
            pass
    return taken

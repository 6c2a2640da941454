"""A real DNS server on loopback for go-look tests and benchmarks.

It answers UDP queries from a small zone given as plain data, with its own resolver logic so a
name that exists without the asked type gets NODATA (NOERROR, empty answer) and only an unknown
name gets NXDOMAIN. Answers can be delayed per name (to test timeouts and parallelism) without a
thread per query: one thread reads the socket and sends due answers from a heap.

It counts queries per (name, type) and the most queries it held unanswered at once.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import select
import socket
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


@dataclass
class Entry:
    """The records one name has. A name in the zone exists even with no records (NODATA)."""

    # (preference, host); [(0, ".")] is a null MX
    mx: list[tuple[int, str]] = field(default_factory=list)
    a: list[str] = field(default_factory=list)
    aaaa: list[str] = field(default_factory=list)
    delay: float | None = None  # seconds before answering (None: the server's default)
    servfail: bool = False
    garbage: bool = False  # answer with bytes that are not a DNS message
    silent: bool = False  # never answer


class LoopbackDnsServer:
    """``with LoopbackDnsServer(zone) as server: server.address -> "127.0.0.1:PORT"``."""

    def __init__(self, zone: Mapping[str, Entry], delay: float = 0.0) -> None:
        self.zone = {name.lower().rstrip("."): entry for name, entry in zone.items()}
        self.delay = delay
        self.queries: Counter[tuple[str, str]] = Counter()
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="loopback-dns", daemon=True)
        self._seq = itertools.count()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> LoopbackDnsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._sock.close()

    def __enter__(self) -> LoopbackDnsServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def query_count(self, name: str | None = None, rdtype: str | None = None) -> int:
        with self._lock:
            return sum(
                n
                for (qn, qt), n in self.queries.items()
                if (name is None or qn == name.lower()) and (rdtype is None or qt == rdtype)
            )

    def reset_counts(self) -> None:
        with self._lock:
            self.queries.clear()
            self.max_in_flight = 0

    # --- the loop ---------------------------------------------------------------------------

    def _serve(self) -> None:
        due: list[tuple[float, int, bytes, tuple[str, int]]] = []
        while not self._stop.is_set():
            now = time.monotonic()
            wait = 0.05 if not due else max(0.0, min(0.05, due[0][0] - now))
            readable, _, _ = select.select([self._sock], [], [], wait)
            if readable:
                try:
                    data, addr = self._sock.recvfrom(4096)
                except OSError:
                    continue
                reply, delay = self._answer(data)
                if reply is not None:
                    with self._lock:
                        self._in_flight += 1
                        self.max_in_flight = max(self.max_in_flight, self._in_flight)
                    heapq.heappush(due, (time.monotonic() + delay, next(self._seq), reply, addr))
            now = time.monotonic()
            while due and due[0][0] <= now:
                _, _, reply, addr = heapq.heappop(due)
                with self._lock:
                    self._in_flight -= 1
                with contextlib.suppress(OSError):
                    self._sock.sendto(reply, addr)

    def _answer(self, data: bytes) -> tuple[bytes | None, float]:
        try:
            query = dns.message.from_wire(data)
        except Exception:
            return None, 0.0
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        with self._lock:
            self.queries[(name, rdtype)] += 1
        entry = self.zone.get(name)
        delay = self.delay if entry is None or entry.delay is None else entry.delay
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if entry is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif entry.silent:
            return None, 0.0
        elif entry.garbage:
            return b"\x00\x01 this is not DNS", delay
        elif entry.servfail:
            response.set_rcode(dns.rcode.SERVFAIL)
        else:
            values: list[str] = []
            if question.rdtype == dns.rdatatype.MX:
                values = [
                    f"{pref} {host if host == '.' else host.rstrip('.') + '.'}"
                    for pref, host in entry.mx
                ]
            elif question.rdtype == dns.rdatatype.A:
                values = list(entry.a)
            elif question.rdtype == dns.rdatatype.AAAA:
                values = list(entry.aaaa)
            if values:  # else NODATA: NOERROR with an empty answer section
                response.answer.append(
                    dns.rrset.from_text_list(
                        question.name, 300, dns.rdataclass.IN, question.rdtype, values
                    )
                )
        return response.to_wire(), delay


class SilentUdpPort:
    """A bound UDP port where nothing ever answers (a DNS server that is down or firewalled)."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> SilentUdpPort:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
